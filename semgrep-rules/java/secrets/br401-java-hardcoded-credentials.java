package com.example.config;

import com.amazonaws.auth.BasicAWSCredentials;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import com.zaxxer.hikari.HikariConfig;
import java.net.PasswordAuthentication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

public class DbConfig {
    // ruleid: br401-java-hardcoded-credentials
    private static final String DB_PASSWORD = "Sup3rS3cret!";
    // ruleid: br401-java-hardcoded-credentials
    private String apiKey = "sk_live_51HxQ2eKZ7gW1kz9";

    public Connection connect() throws SQLException {
        // ruleid: br401-java-hardcoded-credentials
        return DriverManager.getConnection("jdbc:postgresql://db/app", "app", "hunter2hunter2");
    }

    public HikariConfig pool() {
        HikariConfig cfg = new HikariConfig();
        cfg.setUsername("app");
        // ruleid: br401-java-hardcoded-credentials
        cfg.setPassword("p@ssw0rd-prod");
        return cfg;
    }

    public PasswordAuthentication auth() {
        // ruleid: br401-java-hardcoded-credentials
        return new PasswordAuthentication("smtp-user", "mail-pass-123".toCharArray());
    }

    // ------------------------------------------------------------ negatives

    public Connection connectEnv() throws SQLException {
        // ok: br401-java-hardcoded-credentials
        return DriverManager.getConnection(System.getenv("DB_URL"), System.getenv("DB_USER"), System.getenv("DB_PASSWORD"));
    }

    public HikariConfig poolEnv() {
        HikariConfig cfg = new HikariConfig();
        // ok: br401-java-hardcoded-credentials
        cfg.setPassword(System.getenv("DB_PASSWORD"));
        return cfg;
    }

    // ok: br401-java-hardcoded-credentials
    private static final String PASSWORD_PARAM = "password";
    // ok: br401-java-hardcoded-credentials
    private String password = "";
    // ok: br401-java-hardcoded-credentials
    private String secret = "${APP_SECRET}";
    // ok: br401-java-hardcoded-credentials
    private String token = "changeme";

    public Object aws() {
        // ruleid: br401-java-hardcoded-credentials
        return new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    }

    public Object awsV2() {
        // ruleid: br401-java-hardcoded-credentials
        return AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    }

    public Object awsEnv() {
        // ok: br401-java-hardcoded-credentials
        return new BasicAWSCredentials(System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY"));
    }
}
