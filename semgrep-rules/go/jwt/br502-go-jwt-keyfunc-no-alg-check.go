package auth

import (
	"errors"
	"fmt"
	"os"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte(os.Getenv("JWT_SECRET"))

type Claims struct {
	UserID uint `json:"user_id"`
	jwt.RegisteredClaims
}

func ParseUnchecked(tokenString string) (*jwt.Token, error) {
	// ruleid: br502-go-jwt-keyfunc-no-alg-check
	return jwt.Parse(tokenString, func(token *jwt.Token) (interface{}, error) {
		return secret, nil
	})
}

func ParseClaimsUnchecked(tokenString string) (*Claims, error) {
	claims := &Claims{}
	// ruleid: br502-go-jwt-keyfunc-no-alg-check
	_, err := jwt.ParseWithClaims(tokenString, claims, func(t *jwt.Token) (any, error) {
		return secret, nil
	})
	return claims, err
}

func ParserUnchecked(tokenString string) (*jwt.Token, error) {
	p := jwt.NewParser(jwt.WithExpirationRequired())
	// ruleid: br502-go-jwt-keyfunc-no-alg-check
	return p.Parse(tokenString, func(token *jwt.Token) (interface{}, error) {
		return secret, nil
	})
}

// ---------------------------------------------------------------- negatives

func ParseChecked(tokenString string) (*jwt.Token, error) {
	// ok: br502-go-jwt-keyfunc-no-alg-check
	return jwt.Parse(tokenString, func(token *jwt.Token) (interface{}, error) {
		if _, ok := token.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method: %v", token.Header["alg"])
		}
		return secret, nil
	})
}

func ParseAlgString(tokenString string) (*jwt.Token, error) {
	// ok: br502-go-jwt-keyfunc-no-alg-check
	return jwt.Parse(tokenString, func(token *jwt.Token) (interface{}, error) {
		if token.Method.Alg() != jwt.SigningMethodHS256.Alg() {
			return nil, errors.New("bad alg")
		}
		return secret, nil
	})
}

func ParseValidMethods(tokenString string) (*Claims, error) {
	claims := &Claims{}
	// ok: br502-go-jwt-keyfunc-no-alg-check
	_, err := jwt.ParseWithClaims(tokenString, claims, func(token *jwt.Token) (interface{}, error) {
		return secret, nil
	}, jwt.WithValidMethods([]string{"HS256"}))
	return claims, err
}

func ParserPinned(tokenString string) (*jwt.Token, error) {
	p := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}))
	// ok: br502-go-jwt-keyfunc-no-alg-check
	return p.Parse(tokenString, func(token *jwt.Token) (interface{}, error) {
		return secret, nil
	})
}
