// Guide, Example 6: JWT Authentication Middleware (verbatim; the top-level
// "Usage" statements are wrapped in a function so that the file parses;
// annotations added).
//
// The guide labels this middleware "SECURE", but its key function returns the
// secret without checking token.Method and the parser is not pinned with
// jwt.WithValidMethods, so the token picks the algorithm it is verified with.
// With a []byte HMAC secret golang-jwt v5 still refuses "none" and RSA/ECDSA
// tokens (key-type mismatch), so today this is defence in depth, but the
// library asks callers to validate the algorithm and the pattern becomes an
// algorithm-confusion bug as soon as the key function serves other key types.
// That is why BR502 flags it (documented in the rule's metadata.notes).
// BR405 (literal JWT secret) correctly stays silent here: the secret comes
// from os.Getenv. (semgrep --test rejects `ok:` annotations for a rule that
// reports nothing in the file, so that expectation is stated here instead.)

// ✅ SECURE: JWT authentication middleware
package middleware

import (
    "net/http"
    "strings"
    "github.com/golang-jwt/jwt/v5"
)

type Claims struct {
    UserID uint   `json:"user_id"`
    Email  string `json:"email"`
    Role   string `json:"role"`
    jwt.RegisteredClaims
}

func AuthMiddleware(jwtSecret []byte) func(http.Handler) http.Handler {
    return func(next http.Handler) http.Handler {
        return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
            authHeader := r.Header.Get("Authorization")
            if authHeader == "" {
                http.Error(w, "Missing authorization header", http.StatusUnauthorized)
                return
            }
            
            tokenString := strings.TrimPrefix(authHeader, "Bearer ")
            if tokenString == authHeader {
                http.Error(w, "Invalid authorization format", http.StatusUnauthorized)
                return
            }
            
            claims := &Claims{}
            // ruleid: br502-go-jwt-keyfunc-no-alg-check
            token, err := jwt.ParseWithClaims(tokenString, claims, func(token *jwt.Token) (interface{}, error) {
                return jwtSecret, nil
            })
            
            if err != nil || !token.Valid {
                http.Error(w, "Invalid token", http.StatusUnauthorized)
                return
            }
            
            // Add claims to request context
            ctx := context.WithValue(r.Context(), "user_id", claims.UserID)
            ctx = context.WithValue(ctx, "user_role", claims.Role)
            
            next.ServeHTTP(w, r.WithContext(ctx))
        })
    }
}

func usage() {
// Usage
r := mux.NewRouter()
r.Use(AuthMiddleware([]byte(os.Getenv("JWT_SECRET"))))
r.HandleFunc("/api/protected", protectedHandler).Methods("GET")
}
