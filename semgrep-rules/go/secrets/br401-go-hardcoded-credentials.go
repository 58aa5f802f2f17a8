package config

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	oldcreds "github.com/aws/aws-sdk-go/aws/credentials"
)

// ruleid: br401-go-hardcoded-credentials
const dbPassword = "Sup3rS3cret!"

type SMTP struct {
	User     string
	Password string
}

func Mail() SMTP {
	// ruleid: br401-go-hardcoded-credentials
	return SMTP{User: "mailer", Password: "smtp-pass-123"}
}

func AWSv2() credentials.StaticCredentialsProvider {
	// ruleid: br401-go-hardcoded-credentials
	return credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")
}

func AWSv1() *oldcreds.Credentials {
	// ruleid: br401-go-hardcoded-credentials
	return oldcreds.NewStaticCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")
}

// ---------------------------------------------------------------- negatives

// ok: br401-go-hardcoded-credentials
const passwordEnv = "DB_PASSWORD"

// ok: br401-go-hardcoded-credentials
const passwordField = "password"

func MailEnv() SMTP {
	// ok: br401-go-hardcoded-credentials
	return SMTP{User: "mailer", Password: os.Getenv("SMTP_PASSWORD")}
}

func AWSEnv() credentials.StaticCredentialsProvider {
	// ok: br401-go-hardcoded-credentials
	return credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")
}

var _ = session.Must
