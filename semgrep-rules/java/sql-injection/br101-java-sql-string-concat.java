package com.example.repo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCreatorFactory;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

public class UserDao {
    private static final String TABLE = "users";
    private JdbcTemplate jdbcTemplate;
    private NamedParameterJdbcTemplate namedJdbc;
    private Connection connection;
    private DataSource dataSource;

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

    public int delete(String id) {
        // ruleid: br101-java-sql-string-concat
        return jdbcTemplate.update("DELETE FROM sessions WHERE user_id = " + id);
    }

    public List<User> named(String status) {
        String sql = "SELECT * FROM users WHERE status = '".concat(status).concat("'");
        // ruleid: br101-java-sql-string-concat
        return namedJdbc.query(sql, userRowMapper);
    }

    public void builder(String tenant) throws SQLException {
        StringBuilder sb = new StringBuilder("SELECT * FROM invoices WHERE tenant = '");
        sb.append(tenant).append("'");
        // ruleid: br101-java-sql-string-concat
        connection.createStatement().execute(sb.toString());
    }

    public void compound(String field, String id) throws SQLException {
        String sql = "SELECT ";
        sql += field;
        sql += " FROM accounts WHERE id = 1";
        // ruleid: br101-java-sql-string-concat
        dataSource.getConnection().prepareStatement(sql);
    }

    public void storedProc(String name) throws SQLException {
        // ruleid: br101-java-sql-string-concat
        connection.prepareCall("{call " + name + "}");
    }

    public void batch(String name) {
        // ruleid: br101-java-sql-string-concat
        jdbcTemplate.batchUpdate("DELETE FROM audit", "INSERT INTO audit(name) VALUES ('" + name + "')");
    }

    public void factory(String name) {
        // ruleid: br101-java-sql-string-concat
        new PreparedStatementCreatorFactory("SELECT * FROM users WHERE name = '" + name + "'");
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

    public int constantTable(String id) {
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.update("DELETE FROM " + TABLE + " WHERE id = ?", id);
    }

    public int formattedConstant(String id) {
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.update(String.format("DELETE FROM %s WHERE id = ?", TABLE), id);
    }

    public User numericId(long id) {
        // ok: br101-java-sql-string-concat
        return jdbcTemplate.queryForObject("SELECT * FROM users WHERE id = " + id, userRowMapper);
    }

    public void boxedNumber(Integer limit) throws SQLException {
        String sql = "SELECT * FROM users LIMIT ";
        sql += limit + " ";
        // ok: br101-java-sql-string-concat
        connection.createStatement().executeQuery(sql);
    }

    public void comparison(String name) throws SQLException {
        // ok: br101-java-sql-string-concat
        connection.createStatement().executeQuery("SELECT " + (name != null) + " FROM dual");
    }

    public void parsed(String raw) {
        // ok: br101-java-sql-string-concat
        jdbcTemplate.update("DELETE FROM sessions WHERE user_id = " + Integer.parseInt(raw));
    }

    public void literalBuilder() throws SQLException {
        StringBuilder sb = new StringBuilder("SELECT * FROM users");
        sb.append(" WHERE active = 1");
        // ok: br101-java-sql-string-concat
        connection.createStatement().execute(sb.toString());
    }

    public void notSql(java.util.concurrent.Executor executor, Runnable task) {
        // ok: br101-java-sql-string-concat
        executor.execute(task);
    }

    public void notADatabase(HttpClient client, String name) {
        // ok: br101-java-sql-string-concat
        client.execute("select the user " + name);
    }

    public void jpaIsBr102(javax.persistence.EntityManager em, String role) {
        // ok: br101-java-sql-string-concat
        em.createQuery("SELECT u FROM User u WHERE u.role = '" + role + "'");
    }
}
