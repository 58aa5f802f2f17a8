package auth

import (
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ruleid: br405-go-jwt-secret-literal
var jwtSecret = []byte("my-super-secret-signing-key")

// ruleid: br405-go-jwt-secret-literal
const tokenSigningKey = "hs256-literal-key"

func Issue(userID string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID, "exp": time.Now().Add(time.Hour).Unix()})
	// ruleid: br405-go-jwt-secret-literal
	return t.SignedString([]byte("inline-secret"))
}

func Parse(s string) (*jwt.Token, error) {
	return jwt.Parse(s, func(token *jwt.Token) (interface{}, error) {
		if _, ok := token.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, jwt.ErrSignatureInvalid
		}
		// ruleid: br405-go-jwt-secret-literal
		return []byte("inline-secret"), nil
	})
}

// ---------------------------------------------------------------- negatives

// ok: br405-go-jwt-secret-literal
var envSecret = []byte(os.Getenv("JWT_SECRET"))

// ok: br405-go-jwt-secret-literal
const jwtIssuer = "https://auth.example.com"

func IssueEnv(userID string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	// ok: br405-go-jwt-secret-literal
	return t.SignedString(envSecret)
}
