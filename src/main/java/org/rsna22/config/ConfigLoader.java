package org.rsna22.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.rsna22.io.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Resolves {@code config=NAME}: a path to a YAML file, or a name looked up in ./config/ and then among the
 * configs built into the jar. The file overrides config/default.yaml key by key; unknown keys are errors.
 */
public final class ConfigLoader {

    public static final String DEFAULT = "default";
    /** config/default.yaml as first read ({@link #defaults()}); guarded by PINNED. */
    private static ObjectNode defaults;

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ConfigLoader() {
    }

    /**
     * Options that were removed, each with the value that gives today's behaviour (docs/experiments.md says when and
     * why). A config file that names one is refused; a resolved config stored by an earlier version (in the job
     * repository, or a run's config.yaml) that holds that value restarts as before, and one that holds another is
     * refused, since no run can follow it any more.
     */
    static final Map<String, JsonNode> REMOVED = Map.of(
            "fracture.slice_shift", BooleanNode.FALSE);

    /**
     * Configs pinned to the contents a running execution started with, by name, with the number of holders: every job
     * a process runs reads its config as it was when the job started (an edit of the file meanwhile reaches the next
     * run, not the later stages or partitions of this one).
     */
    private static final Map<String, Pinned> PINNED = new HashMap<>();

    private record Pinned(String yaml, int holders) {
    }

    /** A pin, released by {@link #close}. */
    public interface Pin extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Until the returned pin is closed, {@code load(name)} gives the config of {@code resolvedYaml} (as {@link #toYaml}
     * wrote it) instead of reading the files again. Pins of the same contents nest; a pin of other contents while one
     * is held (two executions of one process with different configs under one name) is refused.
     */
    public static Pin pin(String name, String resolvedYaml) {
        String key = key(name);
        synchronized (PINNED) {
            Pinned held = PINNED.get(key);
            if (held != null && !held.yaml().equals(resolvedYaml) && !sameConfig(key, held.yaml(), resolvedYaml)) {
                throw new IllegalStateException("config " + key + " is held by another execution running in this "
                        + "process with other contents (sha256 " + fingerprint(held.yaml()).substring(0, 12) + ", not "
                        + fingerprint(resolvedYaml).substring(0, 12) + "); run this one when that one has ended, or under another "
                        + "config name");
            }
            PINNED.put(key, new Pinned(resolvedYaml, held == null ? 1 : held.holders() + 1));
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.getAndSet(false)) {
                synchronized (PINNED) {
                    Pinned held = PINNED.get(key);
                    if (held != null) {
                        if (held.holders() > 1) {
                            PINNED.put(key, new Pinned(held.yaml(), held.holders() - 1));
                        } else {
                            PINNED.remove(key);
                        }
                    }
                }
            }
        };
    }

    /** Pins the config the name gives now (the files read once), as {@link #pin}. */
    public static Pin pinCurrent(String name) {
        String key = key(name);
        synchronized (PINNED) {
            Pinned held = PINNED.get(key);
            return pin(key, held != null ? held.yaml() : toYaml(load(key)));
        }
    }

    /** Whether two stored texts resolve to the same config today (a text stored by an earlier version lacks keys). */
    private static boolean sameConfig(String name, String a, String b) {
        try {
            return toYaml(fromStored(a, name, "a stored config")).equals(toYaml(fromStored(b, name, "a stored config")));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String key(String nameOrPath) {
        return nameOrPath == null || nameOrPath.isBlank() ? DEFAULT : nameOrPath;
    }

    public static ExperimentConfig load(String nameOrPath) {
        String name = key(nameOrPath);
        String label = Path.of(name).getFileName().toString().replaceFirst("\\.ya?ml$", "");
        Pinned pinned;
        synchronized (PINNED) {
            pinned = PINNED.get(name);
        }
        if (pinned != null) {
            return fromStored(pinned.yaml(), label, "the config " + name + " as its execution started");
        }
        JsonNode override = name.equals(DEFAULT) ? YAML.createObjectNode() : read(name);
        if (!override.isObject()) {
            throw new IllegalArgumentException("config " + name + " is not a YAML mapping");
        }
        return overDefaults((ObjectNode) override, label, "config " + name, false);
    }

    /**
     * A resolved config stored earlier (as {@link #toYaml} wrote it: in the job repository, or beside a model), read
     * over today's defaults: a config stored by an earlier version lacks the keys added since, whose defaults keep
     * the behaviour it ran with. {@code label} names it when the text has no name.
     */
    public static ExperimentConfig fromStored(String resolvedYaml, String label, String what) {
        String source = what + " does not load";
        JsonNode parsed = parse(resolvedYaml, what);
        if (!parsed.isObject()) {
            throw new IllegalArgumentException(what + " is not a YAML mapping");
        }
        ObjectNode stored = (ObjectNode) parsed;
        JsonNode storedName = stored.remove("name");
        try {
            return overDefaults(stored, storedName == null ? label : storedName.asString(), source, true);
        } catch (IllegalArgumentException e) { // a key unknown today; a bad value already names the source
            throw e.getCause() instanceof JacksonException ? e
                    : new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The resolved config as a tree (snake_case keys, as in the YAML files). */
    static JsonNode tree(ExperimentConfig config) {
        return YAML.valueToTree(config);
    }

    /**
     * config/default.yaml with {@code override} merged over it, named {@code label}; errors start with source.
     *
     * @param stored whether {@code override} is a resolved config stored earlier (see {@link #REMOVED})
     */
    private static ExperimentConfig overDefaults(ObjectNode override, String label, String source, boolean stored) {
        ObjectNode merged = defaults();
        merge(merged, override, "", stored);
        merged.put("name", label);
        try {
            return YAML.treeToValue(merged, ExperimentConfig.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": " + e.getOriginalMessage(), e);
        }
    }

    /** SHA-256 of the resolved config (as {@link #toYaml} writes it): equal fingerprints, equal settings. */
    public static String fingerprint(String resolvedYaml) {
        return Sha256.of(resolvedYaml.getBytes(StandardCharsets.UTF_8));
    }

    /** The resolved config as YAML, to be written beside the results it produced. */
    public static String toYaml(ExperimentConfig config) {
        return YAML.writeValueAsString(config);
    }

    /**
     * config/default.yaml as this process first read it (a copy to merge into): a job that runs for hours resolves
     * its pinned config over the defaults it started with, not over an edit of the file made since (the file of a
     * newer checkout, whose keys this jar may not know, failed a running pipeline at its next step).
     */
    private static ObjectNode defaults() {
        synchronized (PINNED) {
            if (defaults == null) {
                JsonNode read = read(DEFAULT);
                if (!read.isObject()) {
                    throw new IllegalArgumentException("config " + DEFAULT + " is not a YAML mapping");
                }
                defaults = (ObjectNode) read;
            }
            return defaults.deepCopy();
        }
    }

    private static JsonNode read(String name) {
        Path asPath = Path.of(name);
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml") || name.contains("/")) {
                if (!Files.isRegularFile(asPath)) {
                    throw new IllegalArgumentException("config file " + asPath + " does not exist");
                }
                return parse(Files.readString(asPath), asPath.toString());
            }
            Path local = Path.of("config", name + ".yaml");
            if (Files.isRegularFile(local)) {
                return parse(Files.readString(local), local.toString());
            }
            try (InputStream in = ConfigLoader.class.getResourceAsStream("/config/" + name + ".yaml")) {
                if (in == null) {
                    throw new IllegalArgumentException("config '" + name + "' not found: looked for " + local
                            + " and a built-in config of that name (try config=default or config=demo)");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("config " + name + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(String text, String source) {
        try {
            JsonNode n = YAML.readTree(text);
            return n == null || n.isMissingNode() ? YAML.createObjectNode() : n;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("config " + source + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Deep merge: mappings merge key by key; a key unknown to the defaults is an error naming its path, a removed one
     * an error saying so (a stored config's removed key that holds today's behaviour is dropped).
     */
    private static void merge(ObjectNode base, ObjectNode override, String path, boolean stored) {
        for (Iterator<Map.Entry<String, JsonNode>> it = override.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            JsonNode current = base.get(e.getKey());
            JsonNode kept = REMOVED.get(key);
            if (current == null && kept != null) {
                if (stored && kept.equals(e.getValue())) {
                    continue;
                }
                throw new IllegalArgumentException("config key '" + key + "' was removed (see docs/experiments.md, "
                        + "\"Removed options\"): " + (stored ? "this config was stored with " + key + ": "
                        + e.getValue() + ", which no run can follow any more" : "delete it from the config; every "
                        + "run now behaves as " + key + ": " + kept + " did"));
            }
            if (current == null) {
                throw new IllegalArgumentException("unknown config key '" + key + "' (not in config/default.yaml)");
            }
            if (current.isObject() && e.getValue().isObject()) {
                merge((ObjectNode) current, (ObjectNode) e.getValue(), key, stored);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }
}
