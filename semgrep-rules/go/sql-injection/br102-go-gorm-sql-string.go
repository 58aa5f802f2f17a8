package repo

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

type User struct {
	ID   uint
	Name string
}

func ByName(db *gorm.DB, name string) (User, error) {
	var u User
	// ruleid: br102-go-gorm-sql-string
	err := db.Where("name = '" + name + "'").First(&u).Error
	return u, err
}

func Raw(db *gorm.DB, table string) ([]User, error) {
	var users []User
	// ruleid: br102-go-gorm-sql-string
	err := db.Raw(fmt.Sprintf("SELECT * FROM %s", table)).Scan(&users).Error
	return users, err
}

func Sorted(w http.ResponseWriter, r *http.Request, db *gorm.DB) {
	sort := r.URL.Query().Get("sort")
	var users []User
	// ruleid: br102-go-gorm-sql-string
	db.Order(sort).Find(&users)
}

func GinSorted(c *gin.Context, db *gorm.DB) {
	var users []User
	// ruleid: br102-go-gorm-sql-string
	db.Order(c.Query("sort") + " DESC").Find(&users)
}

func DropTable(db *gorm.DB, table string) error {
	// ruleid: br102-go-gorm-sql-string
	return db.Exec("DROP TABLE " + table).Error
}

// ---------------------------------------------------------------- negatives

func Script(db *gorm.DB, statements []string) error {
	for _, s := range statements {
		// running a trusted script statement by statement, not building one
		// ok: br102-go-gorm-sql-string
		if err := db.Exec(s + ";").Error; err != nil {
			return err
		}
	}
	return nil
}

func Kinds(db *gorm.DB, ids []int) {
	var users []User
	// ok: br102-go-gorm-sql-string
	db.Where(fmt.Sprintf("kind in ('%s', '%s') and id in ?", models.KindAdmin, models.KindStaff), ids).Find(&users)
}

func DriverIsBr101(sqldb *sql.DB, id string) {
	// ok: br102-go-gorm-sql-string
	sqldb.Exec("DELETE FROM sessions WHERE id = " + id)
}

func ByNameSafe(db *gorm.DB, name string) (User, error) {
	var u User
	// ok: br102-go-gorm-sql-string
	err := db.Where("name = ?", name).First(&u).Error
	return u, err
}

func ByStruct(c *gin.Context, db *gorm.DB) {
	var u User
	// ok: br102-go-gorm-sql-string
	db.Where(&User{Name: c.Query("name")}).First(&u)
}

func ByMap(c *gin.Context, db *gorm.DB) {
	var u User
	// ok: br102-go-gorm-sql-string
	db.Where(map[string]interface{}{"name": c.Query("name")}).First(&u)
}

func Allowed(r *http.Request, db *gorm.DB) {
	order := "created_at"
	if r.URL.Query().Get("sort") == "name" {
		order = "name"
	}
	var users []User
	// ok: br102-go-gorm-sql-string
	db.Order(order).Find(&users)
}

func Paged(r *http.Request, db *gorm.DB) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	var users []User
	// ok: br102-go-gorm-sql-string
	db.Offset(page * 20).Limit(20).Find(&users)
}
