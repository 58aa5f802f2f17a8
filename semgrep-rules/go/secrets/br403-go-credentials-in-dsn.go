package db

import (
	"context"
	"database/sql"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

func Open() (*sql.DB, error) {
	// ruleid: br403-go-credentials-in-dsn
	return sql.Open("mysql", "app:S3cretPass@tcp(db:3306)/shop?parseTime=true")
}

func OpenGorm() (*gorm.DB, error) {
	// ruleid: br403-go-credentials-in-dsn
	dsn := "host=db user=app password=S3cretPass dbname=shop port=5432 sslmode=disable"
	return gorm.Open(postgres.Open(dsn), &gorm.Config{})
}

func Pool(ctx context.Context) (*pgxpool.Pool, error) {
	// ruleid: br403-go-credentials-in-dsn
	return pgxpool.New(ctx, "postgres://app:S3cretPass@db:5432/shop")
}

// ---------------------------------------------------------------- negatives

func OpenEnv() (*sql.DB, error) {
	// ok: br403-go-credentials-in-dsn
	return sql.Open("mysql", os.Getenv("DATABASE_DSN"))
}

func OpenNoPassword() (*sql.DB, error) {
	// ok: br403-go-credentials-in-dsn
	return sql.Open("postgres", "host=/var/run/postgresql dbname=shop sslmode=disable")
}

func OpenFormatted(user, pass string) (*sql.DB, error) {
	// ok: br403-go-credentials-in-dsn
	return sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(db:3306)/shop", user, pass))
}

func URL() string {
	// ok: br403-go-credentials-in-dsn
	return "https://example.com/docs"
}

func Placeholder() string {
	// ok: br403-go-credentials-in-dsn
	return "postgres://user:password@localhost/db"
}
