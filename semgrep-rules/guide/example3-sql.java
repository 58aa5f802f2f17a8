// Guide, Example 3: Preventing SQL Injection (verbatim; the method fragments are
// wrapped in a class so that the file parses; annotations added).
class GuideExample3 {

// ❌ CRITICAL: SQL Injection vulnerability
public User findUserByEmail(String email) {
    String query = "SELECT * FROM users WHERE email = '" + email + "'";
    // ruleid: br101-java-sql-string-concat
    return jdbcTemplate.queryForObject(query, userRowMapper);
    // Attacker input: "' OR '1'='1" returns all users!
}

// ✅ SECURE: Parameterized queries
public User findUserByEmail(String email) {
    String query = "SELECT * FROM users WHERE email = ?";
    // ok: br101-java-sql-string-concat
    return jdbcTemplate.queryForObject(query, userRowMapper, email);
}

}

// ✅ EVEN BETTER: Use ORM with parameterization
@Repository
public interface UserRepository extends JpaRepository<User, Long> {
    // ok: br101-java-sql-string-concat
    Optional<User> findByEmail(String email);  // Safe by default
}
