package org.rsna22.testsupport;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * PostgreSQL and RabbitMQ for tests that run the packaged jar against them: containers started by Testcontainers
 * where a Docker engine runs, otherwise the services this kind of machine starts (127.0.0.1:5432 postgres/trust,
 * 127.0.0.1:5672 guest/guest). A missing service fails the test (it may be skipped only with
 * -Drsna22.allowSkip=true).
 */
public final class Services {

    /** Where a test's PostgreSQL server and RabbitMQ broker are. */
    public record Endpoints(String jdbcBase, String dbUser, String dbPassword, String rabbitHost, int rabbitPort,
                            String rabbitUser, String rabbitPassword, boolean containers) {

        /** The application's options that point it at these services, with the database {@code database}. */
        public List<String> springArgs(String database) {
            return List.of("--spring.profiles.active=postgres", "--rsna22.db.url=" + jdbcBase + database,
                    "--rsna22.db.user=" + dbUser, "--rsna22.db.password=" + dbPassword,
                    "--spring.rabbitmq.host=" + rabbitHost, "--spring.rabbitmq.port=" + rabbitPort,
                    "--spring.rabbitmq.username=" + rabbitUser, "--spring.rabbitmq.password=" + rabbitPassword);
        }

        /** Creates an empty database (dropping one of that name). */
        public void freshDatabase(String database) throws SQLException {
            try (java.sql.Connection c = DriverManager.getConnection(jdbcBase + "postgres", dbUser, dbPassword);
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + database);
            } catch (SQLException e) {
                ExternalTools.requireService("PostgreSQL at " + jdbcBase + " (" + dbUser + "): " + e.getMessage());
                throw e;
            }
        }

        /** A JDBC connection to one of the server's databases. */
        public java.sql.Connection connect(String database) throws SQLException {
            return DriverManager.getConnection(jdbcBase + database, dbUser, dbPassword);
        }

        public void dropDatabase(String database) throws SQLException {
            try (java.sql.Connection c = DriverManager.getConnection(jdbcBase + "postgres", dbUser, dbPassword);
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }

        /** A connection to the broker (AMQP 0-9-1), for declaring, publishing and counting. */
        public Connection rabbit() throws Exception {
            ConnectionFactory f = new ConnectionFactory();
            f.setHost(rabbitHost);
            f.setPort(rabbitPort);
            f.setUsername(rabbitUser);
            f.setPassword(rabbitPassword);
            try {
                return f.newConnection("rsna22-test");
            } catch (Exception e) {
                ExternalTools.requireService("RabbitMQ at " + rabbitHost + ":" + rabbitPort + ": " + e.getMessage());
                throw e;
            }
        }

        /** Messages ready in a queue (0 when it does not exist). */
        public long ready(String queue) throws Exception {
            try (Connection c = rabbit(); Channel ch = c.createChannel()) {
                return ch.queueDeclarePassive(queue).getMessageCount();
            } catch (java.io.IOException e) {
                return 0;
            }
        }
    }

    private static Endpoints endpoints;

    private Services() {
    }

    /** The services, started once per test JVM when they come from containers. */
    public static synchronized Endpoints get() {
        if (endpoints == null) {
            endpoints = dockerAvailable() ? containers()
                    : new Endpoints("jdbc:postgresql://127.0.0.1:5432/", "postgres", "", "127.0.0.1", 5672, "guest",
                    "guest", false);
        }
        return endpoints;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @SuppressWarnings("resource") // stopped by Testcontainers' resource reaper when the JVM ends
    private static Endpoints containers() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:16-alpine");
        RabbitMQContainer mq = new RabbitMQContainer("rabbitmq:3.13-alpine");
        pg.start();
        mq.start();
        String url = pg.getJdbcUrl();
        return new Endpoints(url.substring(0, url.lastIndexOf('/') + 1), pg.getUsername(), pg.getPassword(),
                mq.getHost(), mq.getAmqpPort(), mq.getAdminUsername(), mq.getAdminPassword(), true);
    }
}
