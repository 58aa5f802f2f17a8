package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
)

type User struct {
	ID      uint
	Name    string
	IsAdmin bool
}

type CreateUserRequest struct {
	Name string `json:"name"`
}

func Create(db *gorm.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var user User
		if err := json.NewDecoder(r.Body).Decode(&user); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// ruleid: br701-go-request-decoded-into-model
		db.Create(&user)
		json.NewEncoder(w).Encode(user)
	}
}

func Update(c *gin.Context, db *gorm.DB) {
	user := User{}
	if err := c.ShouldBindJSON(&user); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	// ruleid: br701-go-request-decoded-into-model
	db.Save(&user)
	c.JSON(http.StatusOK, user)
}

// ---------------------------------------------------------------- negatives

func CreateSafe(db *gorm.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req CreateUserRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		user := User{Name: req.Name}
		// ok: br701-go-request-decoded-into-model
		db.Create(&user)
	}
}

func UpdateSelected(c *gin.Context, db *gorm.DB) {
	var user User
	db.First(&user, c.Param("id"))
	var req CreateUserRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		return
	}
	user.Name = req.Name
	// ok: br701-go-request-decoded-into-model
	db.Save(&user)
}
