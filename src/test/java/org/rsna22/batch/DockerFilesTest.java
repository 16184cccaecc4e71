package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml and docker/Dockerfile checked without a Docker engine: the compose file parses (anchors and
 * merge keys resolved) into the cluster of README "Running on several machines", with health checks, scalable
 * workers and credentials only from the environment; the Dockerfile builds with the wrapper and runs on JRE 17.
 */
class DockerFilesTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void theComposeFileDescribesTheClusterWithCredentialsOnlyFromTheEnvironment() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/compose.yaml")));
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsOnlyKeys("postgres", "rabbitmq", "manager", "worker");
        for (String s : services.keySet()) {
            assertThat(map(services.get(s))).as(s + " has a health check").containsKey("healthcheck");
        }
        Map<String, Object> worker = map(services.get("worker"));
        Map<String, Object> manager = map(services.get("manager"));
        // --scale worker=N needs a service without a fixed name or host port
        assertThat(worker).doesNotContainKeys("container_name", "ports");
        assertThat((List<String>) worker.get("command")).first().isEqualTo("worker");
        List<String> run = (List<String>) manager.get("command");
        assertThat(run.get(0)).isEqualTo("run");
        assertThat(run).contains("data=/data", "work=/work", "--rsna22.remote=true");
        for (Map<String, Object> app : List.of(worker, manager)) {
            Map<String, Object> env = map(app.get("environment"));
            assertThat(env).containsEntry("SPRING_PROFILES_ACTIVE", "postgres")
                    .containsKeys("RSNA22_DB_URL", "RSNA22_DB_USER", "RSNA22_DB_PASSWORD", "SPRING_RABBITMQ_HOST",
                            "SPRING_RABBITMQ_USERNAME", "SPRING_RABBITMQ_PASSWORD");
            assertThat(String.valueOf(env.get("RSNA22_DB_URL"))).startsWith("jdbc:postgresql://postgres:5432/");
            assertThat(String.valueOf(env.get("SPRING_RABBITMQ_HOST"))).isEqualTo("rabbitmq");
            assertThat((List<String>) app.get("volumes")).anyMatch(v -> v.endsWith(":/data:ro"))
                    .anyMatch(v -> v.endsWith(":/work"));
            assertThat(map(app.get("depends_on"))).containsOnlyKeys("postgres", "rabbitmq");
        }
        // every password or secret is a required variable, never a value in the file
        Pattern required = Pattern.compile("\\$\\{[A-Z0-9_]+:\\?[^}]+}");
        int secrets = 0;
        for (Map.Entry<String, Object> s : services.entrySet()) {
            Object env = map(s.getValue()).get("environment");
            if (env == null) {
                continue;
            }
            for (Map.Entry<String, Object> e : map(env).entrySet()) {
                if (e.getKey().matches(".*(PASSWORD|PASS|SECRET).*")) {
                    assertThat(String.valueOf(e.getValue())).as(s.getKey() + " " + e.getKey()).matches(required);
                    secrets++;
                }
            }
        }
        assertThat(secrets).isGreaterThanOrEqualTo(6);
    }

    @Test
    void theDockerfileBuildsWithTheWrapperAndRunsOnAJre17() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docker/Dockerfile"));
        List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).contains("17-jdk").endsWith(" AS build");
        assertThat(lines).anyMatch(l -> l.startsWith("ARG RUNTIME=") && l.contains("17-jre"))
                .anyMatch(l -> l.startsWith("ARG PROFILE=cpu"))
                .anyMatch(l -> l.contains("./mvnw") && l.contains("package"))
                .anyMatch(l -> l.startsWith("ENTRYPOINT [\"java\", \"-jar\", \"/app/rsna22.jar\"]"));
        // what the build copies exists in the repository
        for (String l : lines) {
            if (l.startsWith("COPY ") && !l.contains("--from")) {
                String[] words = l.split("\\s+");
                for (int i = 1; i < words.length - 1; i++) {
                    assertThat(Path.of(words[i])).as(l).exists();
                }
            }
        }
    }
}
