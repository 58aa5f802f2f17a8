package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type Claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

func Forever(userID string, key []byte) (string, error) {
	// ruleid: br503-go-jwt-no-expiry
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID})
	return t.SignedString(key)
}

func ForeverLocal(userID string, key []byte) (string, error) {
	claims := jwt.MapClaims{"sub": userID, "role": "user"}
	// ruleid: br503-go-jwt-no-expiry
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	return t.SignedString(key)
}

func ForeverRegistered(userID string, key []byte) (string, error) {
	claims := &Claims{
		Role: "user",
		// ruleid: br503-go-jwt-no-expiry
		RegisteredClaims: jwt.RegisteredClaims{Subject: userID, IssuedAt: jwt.NewNumericDate(time.Now())},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

// ---------------------------------------------------------------- negatives

func Expiring(userID string, key []byte) (string, error) {
	// ok: br503-go-jwt-no-expiry
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": userID, "exp": time.Now().Add(time.Hour).Unix()})
	return t.SignedString(key)
}

func ExpiringLater(userID string, key []byte) (string, error) {
	claims := jwt.MapClaims{"sub": userID}
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	// ok: br503-go-jwt-no-expiry
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	return t.SignedString(key)
}

func ExpiringRegistered(userID string, key []byte) (string, error) {
	claims := &Claims{
		Role: "user",
		// ok: br503-go-jwt-no-expiry
		RegisteredClaims: jwt.RegisteredClaims{Subject: userID, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

func ExpirySetAfterwards(userID string, key []byte) (string, error) {
	claims := &Claims{
		Role: "user",
		// ok: br503-go-jwt-no-expiry
		RegisteredClaims: jwt.RegisteredClaims{Subject: userID},
	}
	claims.ExpiresAt = jwt.NewNumericDate(time.Now().Add(time.Hour))
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}
