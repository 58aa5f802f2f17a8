package com.example.repo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.persistence.EntityManager;
import org.springframework.jdbc.core.JdbcTemplate;

public class UserDao {
    private static final String TABLE = "users";
    private JdbcTemplate jdbcTemplate;
    private EntityManager em;
    private Connection connection;

    public User findUserByEmail(String email) {
        String query = "SELECT * FROM users WHERE email = '" + email + "'";
        // ruleid: br101-java-sql-string-concat
        return jdbcTemplate.queryForObject(query, userRowMapper);
    }

    public ResultSet byName(String name) throws SQLException {
        Statement stmt = connection.createStatement();
        // ruleid: br101-java-sql-string-concat
        return stmt.executeQuery("SELECT id FROM users WHERE name = '" + name + "'");
    }

    public int rename(String oldName, String newName) throws SQLException {
        try (Statement st = connection.createStatement()) {
            // ruleid: br101-java-sql-string-concat
            return st.executeUpdate(String.format("UPDATE users SET name = '%s' WHERE name = '%s'", newName, oldName));
        }
    }

    public PreparedStatement prepareWithConcat(String sort) throws SQLException {
        // ruleid: br101-java-sql-string-concat
        return connection.prepareStatement("SELECT * FROM orders ORDER BY " + sort);
    }

    public List<User> jpql(String role) {
        // ruleid: br101-java-sql-string-concat
        return em.createQuery("SELECT u FROM User u WHERE u.role = '" + role + "'", User.class).getResultList();
    }

    public List<?> nativeQuery(String tenant) {
        StringBuilder sb = new StringBuilder("SELECT * FROM invoices WHERE tenant = '");
        sb.append(tenant).append("'");
        // ruleid: br101-java-sql-string-concat
        return em.createNativeQuery(sb.toString()).getResultList();
    }

    public int delete(String id) {
        // ruleid: br101-java-sql-string-concat
        return jdbcTemplate.update("DELETE FROM sessions WHERE user_id = " + id);
    }

    // ------------------------------------------------------------ negatives

    public User findUserByEmailSafe(String email) {
        String query = "SELECT * FROM users WHERE email = ?";
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.queryForObject(query, userRowMapper, email);
    }

    public ResultSet prepared(String name) throws SQLException {
        // ok: br101-java-sql-string-concat
        PreparedStatement ps = connection.prepareStatement("SELECT id FROM users WHERE name = ?");
        ps.setString(1, name);
        return ps.executeQuery();
    }

    public List<User> jpqlParam(String role) {
        // ok: br101-java-sql-string-concat
        return em.createQuery("SELECT u FROM User u WHERE u.role = :role", User.class)
                .setParameter("role", role).getResultList();
    }

    public int constantTable(String id) {
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.update("DELETE FROM " + TABLE + " WHERE id = ?", id);
    }

    public User numericId(long id) {
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.queryForObject("SELECT * FROM users WHERE id = " + id, userRowMapper);
    }

    public void notSql(java.util.concurrent.Executor executor, Runnable task) {
        // ok: br101-java-sql-string-concat
        executor.execute(task);
    }
}
