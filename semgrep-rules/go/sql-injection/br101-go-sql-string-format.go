package repo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jmoiron/sqlx"
)

const usersTable = "users"

type User struct{ ID int }

func ByEmail(db *sql.DB, email string) (*sql.Rows, error) {
	// ruleid: br101-go-sql-string-format
	return db.Query(fmt.Sprintf("SELECT * FROM users WHERE email = '%s'", email))
}

func ByName(ctx context.Context, db *sql.DB, name string) *sql.Row {
	q := "SELECT id FROM users WHERE name = '" + name + "'"
	// ruleid: br101-go-sql-string-format
	return db.QueryRowContext(ctx, q)
}

func Rename(db *sql.DB, id string, name string) error {
	query := fmt.Sprintf("UPDATE users SET name = '%v' WHERE id = %s", name, id)
	// ruleid: br101-go-sql-string-format
	_, err := db.Exec(query)
	return err
}

func PgxSearch(ctx context.Context, pool *pgxpool.Pool, term string) error {
	// ruleid: br101-go-sql-string-format
	rows, err := pool.Query(ctx, "SELECT * FROM posts WHERE title LIKE '%"+term+"%'")
	if err == nil {
		rows.Close()
	}
	return err
}

func SqlxGet(db *sqlx.DB, sort string) ([]User, error) {
	var users []User
	// ruleid: br101-go-sql-string-format
	err := db.Select(&users, "SELECT * FROM users ORDER BY "+sort)
	return users, err
}

func Compound(db *sql.DB, age string) (*sql.Rows, error) {
	query := "SELECT name FROM users WHERE age = "
	query += age
	// ruleid: br101-go-sql-string-format
	return db.Query(query)
}

func Builder(db *sql.DB, id string) error {
	var sb strings.Builder
	sb.WriteString("DELETE FROM sessions WHERE user_id = ")
	sb.WriteString(id)
	// ruleid: br101-go-sql-string-format
	_, err := db.Exec(sb.String())
	return err
}

func NamedExec(db *sqlx.DB, table string, u User) error {
	// ruleid: br101-go-sql-string-format
	_, err := db.NamedExec("INSERT INTO "+table+" (id) VALUES (:id)", u)
	return err
}

// ---------------------------------------------------------------- negatives

func Converted(db *sql.DB, raw string) error {
	id, _ := strconv.Atoi(raw)
	// ok: br101-go-sql-string-format
	_, err := db.Exec("DELETE FROM sessions WHERE user_id = " + id)
	return err
}

func LiteralBuilder(db *sql.DB) error {
	var sb strings.Builder
	sb.WriteString("DELETE FROM sessions")
	sb.WriteString(" WHERE expired")
	// ok: br101-go-sql-string-format
	_, err := db.Exec(sb.String())
	return err
}

func GormExecIsBr102(gdb *gorm.DB, table string) error {
	// ok: br101-go-sql-string-format
	return gdb.Exec("DELETE FROM " + table).Error
}

func ExportedConstants(db *sql.DB, id int) *sql.Row {
	// ok: br101-go-sql-string-format
	return db.QueryRow(fmt.Sprintf("SELECT * FROM %s WHERE kind = '%s' AND id = $1", models.UsersTable, models.KindAdmin), id)
}

func GormIsBr102(gdb *gorm.DB, name string) {
	// ok: br101-go-sql-string-format
	gdb.Where("name = '" + name + "'").First(&User{})
}

func ByEmailSafe(db *sql.DB, email string) (*sql.Rows, error) {
	// ok: br101-go-sql-string-format
	return db.Query("SELECT * FROM users WHERE email = $1", email)
}

func PgxSafe(ctx context.Context, pool *pgxpool.Pool, id int) error {
	// ok: br101-go-sql-string-format
	_, err := pool.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", id)
	return err
}

func LimitOnly(db *sql.DB, limit int) (*sql.Rows, error) {
	// ok: br101-go-sql-string-format
	return db.Query(fmt.Sprintf("SELECT * FROM users LIMIT %d", limit))
}

func ConstTable(db *sql.DB, id int) *sql.Row {
	// ok: br101-go-sql-string-format
	return db.QueryRow(fmt.Sprintf("SELECT * FROM %s WHERE id = $1", usersTable), id)
}

func LikeParam(db *sql.DB, term string) (*sql.Rows, error) {
	// ok: br101-go-sql-string-format
	return db.Query("SELECT * FROM posts WHERE title LIKE $1", fmt.Sprintf("%%%s%%", term))
}
