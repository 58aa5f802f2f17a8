package com.example.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jwts;
import java.security.Key;

class TrustingFilter {
    String userOf(String token) {
        // ruleid: br501-java-jwt-verification-disabled
        DecodedJWT jwt = JWT.decode(token);
        return jwt.getSubject();
    }

    String issue() {
        // ruleid: br501-java-jwt-verification-disabled
        return JWT.create().withSubject("bob").sign(Algorithm.none());
    }

    Claims unsigned(String token) {
        // ruleid: br501-java-jwt-verification-disabled
        return Jwts.parser().parseClaimsJwt(token).getBody();
    }

    Object anyToken(String token) {
        // ruleid: br501-java-jwt-verification-disabled
        return Jwts.parser().parse(token).getBody();
    }

    String unsignedToken() {
        // ruleid: br501-java-jwt-verification-disabled
        return Jwts.builder()
                .setSubject("bob")
                .compact();
    }
}

class VerifyingFilter {
    private final JWTVerifier verifier;
    private final Key key;

    VerifyingFilter(String secret, Key key) {
        this.verifier = JWT.require(Algorithm.HMAC256(secret)).withIssuer("auth0").build();
        this.key = key;
    }

    String userOf(String token) {
        DecodedJWT verified = verifier.verify(token);
        return verified.getSubject();
    }

    String issuerOf(String token) {
        // reading a claim in a class that verifies tokens
        // ok: br501-java-jwt-verification-disabled
        return JWT.decode(token).getIssuer();
    }

    Claims signed(String token) {
        // ok: br501-java-jwt-verification-disabled
        return Jwts.parser().setSigningKey(key).parseClaimsJws(token).getBody();
    }

    Object signedGeneric(String token) {
        // ok: br501-java-jwt-verification-disabled
        return Jwts.parser().verifyWith(key).build().parse(token);
    }

    String signedToken() {
        // ok: br501-java-jwt-verification-disabled
        return Jwts.builder().setSubject("bob").signWith(key).compact();
    }
}
