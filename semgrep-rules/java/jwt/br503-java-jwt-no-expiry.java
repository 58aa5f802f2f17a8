package com.example.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.jsonwebtoken.Jwts;
import java.security.Key;
import java.util.Date;
import java.util.Map;

class TokenIssuer {
    private Algorithm algorithm;
    private Key key;

    String forever(String user) {
        // ruleid: br503-java-jwt-no-expiry
        return JWT.create().withIssuer("auth0").withSubject(user).sign(algorithm);
    }

    String foreverJjwt(String user) {
        // ruleid: br503-java-jwt-no-expiry
        return Jwts.builder()
                .setSubject(user)
                .signWith(key)
                .compact();
    }

    String expiring(String user) {
        // ok: br503-java-jwt-no-expiry
        return JWT.create()
                .withSubject(user)
                .withExpiresAt(new Date(System.currentTimeMillis() + 900_000))
                .sign(algorithm);
    }

    String expiringJjwt(String user) {
        // ok: br503-java-jwt-no-expiry
        return Jwts.builder().subject(user).expiration(new Date(System.currentTimeMillis() + 900_000)).signWith(key).compact();
    }

    String fromMap(Map<String, Object> claims) {
        // the map may hold "exp"
        // ok: br503-java-jwt-no-expiry
        return Jwts.builder().setClaims(claims).signWith(key).compact();
    }
}
