package com.example.config;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

@Component
class SecurityProperties {
    // ruleid: br404-java-spring-secret-default
    @Value("${jwt.secret:mySuperSecretKey123}")
    private String jwtSecret;

    // ruleid: br404-java-spring-secret-default
    @Value("${spring.datasource.password:root}")
    private String dbPassword;

    // ok: br404-java-spring-secret-default
    @Value("${jwt.secret}")
    private String requiredSecret;

    // ok: br404-java-spring-secret-default
    @Value("${jwt.secret:}")
    private String emptyDefault;

    // ok: br404-java-spring-secret-default
    @Value("${jwt.secret:${JWT_SECRET}}")
    private String chained;

    // ok: br404-java-spring-secret-default
    @Value("${server.port:8080}")
    private int port;

    // ok: br404-java-spring-secret-default
    @Value("${jwt.expiration-ms:900000}")
    private long expirationMs;
}

@Component
class Client {
    private final String apiKey;

    // ruleid: br404-java-spring-secret-default
    Client(@Value("${payments.api-key:sk_test_123456}") String apiKey) {
        this.apiKey = apiKey;
    }
}
