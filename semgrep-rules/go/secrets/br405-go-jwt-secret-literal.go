package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/sessions"
	echojwt "github.com/labstack/echo-jwt/v4"
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

func IssueLocal(userID string) (string, error) {
	var jwtKey = []byte("my_secret_key")
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	// ruleid: br405-go-jwt-secret-literal
	return t.SignedString(jwtKey)
}

const defaultKey = "another-literal-key"

func IssueConst(userID string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	// ruleid: br405-go-jwt-secret-literal
	return t.SignedString([]byte(defaultKey))
}

func Mac(data []byte) []byte {
	// ruleid: br405-go-jwt-secret-literal
	m := hmac.New(sha256.New, []byte("hmac-literal-key"))
	m.Write(data)
	return m.Sum(nil)
}

func IssueNamedConst(userID string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	// reported once, at the declaration of tokenSigningKey above
	// ok: br405-go-jwt-secret-literal
	return t.SignedString([]byte(tokenSigningKey))
}

// ruleid: br405-go-jwt-secret-literal
var store = sessions.NewCookieStore([]byte("cookie-store-literal"))

func EchoMiddleware() interface{} {
	// ruleid: br405-go-jwt-secret-literal
	return echojwt.WithConfig(echojwt.Config{SigningKey: []byte("echo-literal-key")})
}

// ---------------------------------------------------------------- negatives

func EchoEnv() interface{} {
	// ok: br405-go-jwt-secret-literal
	return echojwt.WithConfig(echojwt.Config{SigningKey: []byte(os.Getenv("JWT_SECRET"))})
}

func MacEnv(data []byte) []byte {
	// ok: br405-go-jwt-secret-literal
	m := hmac.New(sha256.New, []byte(os.Getenv("HMAC_KEY")))
	m.Write(data)
	return m.Sum(nil)
}

// ok: br405-go-jwt-secret-literal
var envSecret = []byte(os.Getenv("JWT_SECRET"))

// ok: br405-go-jwt-secret-literal
const jwtIssuer = "https://auth.example.com"

func IssueEnv(userID string) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	// ok: br405-go-jwt-secret-literal
	return t.SignedString(envSecret)
}
