package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func Subject(tokenString string) (string, error) {
	// ruleid: br501-go-jwt-verification-disabled
	token, _, err := jwt.NewParser().ParseUnverified(tokenString, jwt.MapClaims{})
	if err != nil {
		return "", err
	}
	return token.Claims.GetSubject()
}

func Unsigned(userID string) (string, error) {
	claims := jwt.RegisteredClaims{Subject: userID, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
	// ruleid: br501-go-jwt-verification-disabled
	token := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	// ruleid: br501-go-jwt-verification-disabled
	return token.SignedString(jwt.UnsafeAllowNoneSignatureType)
}

// ---------------------------------------------------------------- negatives

func Verified(tokenString string, key []byte) (*jwt.Token, error) {
	// ok: br501-go-jwt-verification-disabled
	return jwt.Parse(tokenString, func(t *jwt.Token) (interface{}, error) { return key, nil }, jwt.WithValidMethods([]string{"HS256"}))
}

func Signed(userID string, key []byte) (string, error) {
	claims := jwt.RegisteredClaims{Subject: userID, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}
	// ok: br501-go-jwt-verification-disabled
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}
