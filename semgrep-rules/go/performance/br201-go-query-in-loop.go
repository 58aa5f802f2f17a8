package repo

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

type User struct {
	ID      uint
	Profile Profile
}

type Profile struct{ UserID uint }
type Order struct{ ID, UserID uint }

func Profiles(db *gorm.DB, users []User) {
	for i := range users {
		// ruleid: br201-go-query-in-loop
		db.Where("user_id = ?", users[i].ID).First(&users[i].Profile)
	}
}

func Orders(db *gorm.DB, ids []uint) map[uint][]Order {
	out := map[uint][]Order{}
	for _, id := range ids {
		var orders []Order
		// ruleid: br201-go-query-in-loop
		db.Find(&orders, "user_id = ?", id)
		out[id] = orders
	}
	return out
}

func Names(ctx context.Context, db *sql.DB, ids []int) []string {
	var names []string
	for _, id := range ids {
		var name string
		// ruleid: br201-go-query-in-loop
		db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = $1", id).Scan(&name)
		names = append(names, name)
	}
	return names
}

// ---------------------------------------------------------------- negatives

func Preloaded(db *gorm.DB) []User {
	var users []User
	// ok: br201-go-query-in-loop
	db.Preload("Profile").Find(&users)
	return users
}

func InList(db *gorm.DB, ids []uint) []Order {
	var orders []Order
	// ok: br201-go-query-in-loop
	db.Where("user_id IN ?", ids).Find(&orders)
	return orders
}

func Scanning(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM users")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		// ok: br201-go-query-in-loop
		rows.Scan(&n)
		names = append(names, n)
	}
	return names, nil
}
