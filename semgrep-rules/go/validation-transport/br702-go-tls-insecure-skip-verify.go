package client

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
)

func Insecure() *http.Client {
	tr := &http.Transport{
		// ruleid: br702-go-tls-insecure-skip-verify
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true},
	}
	return &http.Client{Transport: tr}
}

func InsecureAssign() *tls.Config {
	cfg := &tls.Config{}
	// ruleid: br702-go-tls-insecure-skip-verify
	cfg.InsecureSkipVerify = true
	return cfg
}

// ---------------------------------------------------------------- negatives

func PrivateCA() (*http.Client, error) {
	pem, err := os.ReadFile("/etc/ssl/private-ca.pem")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	// ok: br702-go-tls-insecure-skip-verify
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, InsecureSkipVerify: false}}
	return &http.Client{Transport: tr}, nil
}

func Configurable(skip bool) *tls.Config {
	// ok: br702-go-tls-insecure-skip-verify
	return &tls.Config{InsecureSkipVerify: skip && os.Getenv("APP_ENV") == "dev"}
}
