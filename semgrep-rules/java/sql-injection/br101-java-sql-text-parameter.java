package com.example.repo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

public class SqlRunner {
    private JdbcTemplate jdbcTemplate;
    private Connection connection;

    public void run(String sql) {
        // ruleid: br101-java-sql-text-parameter
        jdbcTemplate.execute(sql);
    }

    public List<Map<String, Object>> rows(String query, Object... args) {
        // ruleid: br101-java-sql-text-parameter
        return jdbcTemplate.queryForList(query, args);
    }

    public int raw(String statementText) throws SQLException {
        String text = statementText;
        Statement stmt = connection.createStatement();
        // ruleid: br101-java-sql-text-parameter
        return stmt.executeUpdate(text);
    }

    public void batch(String cleanup) {
        // ruleid: br101-java-sql-text-parameter
        jdbcTemplate.batchUpdate("DELETE FROM audit", cleanup);
    }

    // ------------------------------------------------------------ negatives

    public void constant() {
        String sql = "DELETE FROM sessions WHERE expired = 1";
        // ok: br101-java-sql-text-parameter
        jdbcTemplate.execute(sql);
    }

    public void valueOnly(String name) {
        // ok: br101-java-sql-text-parameter
        jdbcTemplate.update("UPDATE users SET name = ? WHERE id = 1", name);
    }

    public void built(String name) {
        // concatenation is br101-java-sql-string-concat's finding, not this rule's
        // ok: br101-java-sql-text-parameter
        jdbcTemplate.execute("DELETE FROM users WHERE name = '" + name + "'");
    }

    public void chosen(String kind) {
        // ok: br101-java-sql-text-parameter
        jdbcTemplate.execute(Queries.forKind(kind));
    }

    public void notADatabase(java.util.concurrent.ExecutorService executor, String job) {
        // ok: br101-java-sql-text-parameter
        executor.execute(job);
    }
}
