package org.rsna22.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import tools.jackson.databind.JsonNode;

/**
 * How many partitions run at once: a count, or {@code auto}, one per device of the pool ({@code rsna22.devices}:
 * every GPU, or 1 on the CPU).
 *
 * @param count the count, or 0 for auto
 */
public record Concurrency(int count) {

    public static final Concurrency AUTO = new Concurrency(0);

    public Concurrency {
        if (count < 0) {
            throw new IllegalArgumentException("a number of parallel runs is auto or at least 1, not " + count);
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Concurrency of(JsonNode n) {
        if (n.isString() && n.asString().equals("auto")) {
            return AUTO;
        }
        if (n.isIntegralNumber() && n.asInt() >= 1) {
            return new Concurrency(n.asInt());
        }
        throw new IllegalArgumentException("parallel runs are auto (one per device) or a count of at least 1, not " + n);
    }

    /** Parses "auto" or a count (the worker's --concurrency). */
    public static Concurrency parse(String s) {
        if (s.trim().equals("auto")) {
            return AUTO;
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n >= 1) {
                return new Concurrency(n);
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("'" + s + "' is neither auto nor a count of at least 1");
    }

    @JsonValue
    Object value() {
        return count == 0 ? "auto" : (Object) count;
    }

    /** The count, with auto as the number of devices. */
    public int resolve(int devices) {
        return count == 0 ? Math.max(1, devices) : count;
    }

    @Override
    public String toString() {
        return value().toString();
    }
}
