package com.example.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.SignatureAlgorithm;
import io.jsonwebtoken.security.Keys;
import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;

class TokenService {
    private static final String JWT_SECRET = "s3cr3t-signing-key";
    static String legacySecret = "secret";
    private final String fromEnv = System.getenv("JWT_SECRET");

    String inline() {
        // ruleid: br405-java-literal-signing-key
        return JWT.create().withSubject("bob").sign(Algorithm.HMAC256("my-hmac-key"));
    }

    String constant() {
        // ruleid: br405-java-literal-signing-key
        Algorithm algorithm = Algorithm.HMAC512(JWT_SECRET);
        return JWT.create().sign(algorithm);
    }

    String field() {
        // ruleid: br405-java-literal-signing-key
        Algorithm algorithm = Algorithm.HMAC256(legacySecret);
        return JWT.create().sign(algorithm);
    }

    String jjwt() {
        // ruleid: br405-java-literal-signing-key
        return Jwts.builder().setSubject("bob").signWith(SignatureAlgorithm.HS256, "another-literal").compact();
    }

    Object parse(String token) {
        // ruleid: br405-java-literal-signing-key
        return Jwts.parser().setSigningKey("another-literal".getBytes()).parseClaimsJws(token);
    }

    Object keys() {
        String local = "0123456789abcdef0123456789abcdef";
        // ruleid: br405-java-literal-signing-key
        return Keys.hmacShaKeyFor(local.getBytes(StandardCharsets.UTF_8));
    }

    Object spec() {
        // ruleid: br405-java-literal-signing-key
        return new SecretKeySpec("mac-key-literal".getBytes(), "HmacSHA256");
    }

    // ------------------------------------------------------------ negatives

    String env() {
        // ok: br405-java-literal-signing-key
        return JWT.create().sign(Algorithm.HMAC256(System.getenv("JWT_SECRET")));
    }

    String envField() {
        // ok: br405-java-literal-signing-key
        return JWT.create().sign(Algorithm.HMAC256(fromEnv));
    }

    String parameter(String secretKey) {
        // ok: br405-java-literal-signing-key
        return JWT.create().sign(Algorithm.HMAC256(secretKey));
    }

    String placeholder() {
        // ok: br405-java-literal-signing-key
        return JWT.create().sign(Algorithm.HMAC256("changeme"));
    }
}
