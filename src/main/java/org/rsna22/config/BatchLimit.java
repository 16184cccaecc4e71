package org.rsna22.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import tools.jackson.databind.JsonNode;

/**
 * How many batches of an epoch a model trains or validates on, as PyTorch Lightning's {@code limit_train_batches}
 * and {@code limit_val_batches} say it: a whole number is a count of batches (the first ones of the epoch's order),
 * a decimal a share of the epoch ({@code 1.0}, the default, is all of it). Written back as it was given, so that
 * {@code 4} and {@code 4.0} stay apart in a resolved config.
 */
public record BatchLimit(double share, int count) {

    /** Every batch. */
    public static final BatchLimit ALL = new BatchLimit(1.0, -1);

    public BatchLimit {
        if (count < 0 && !(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a batch limit's share must be within (0, 1], not " + share);
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static BatchLimit of(JsonNode n) {
        if (n.isIntegralNumber()) {
            if (n.asLong() < 0 || n.asLong() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a batch limit's count must be 0 or more, not " + n.asLong());
            }
            return new BatchLimit(0, n.asInt());
        }
        if (n.isNumber()) {
            return new BatchLimit(n.asDouble(), -1);
        }
        throw new IllegalArgumentException("a batch limit is a count (4) or a share of the epoch (0.25), not " + n);
    }

    @JsonValue
    Number value() {
        return count >= 0 ? (Number) count : (Number) share;
    }

    /** Whether every batch is used. */
    public boolean all() {
        return count < 0 && share == 1.0;
    }

    /** The batches of an epoch of {@code batches}: at most the count, or the share rounded down but at least one. */
    public int apply(int batches) {
        if (count >= 0) {
            return Math.min(count, batches);
        }
        return batches == 0 ? 0 : Math.max(1, (int) Math.floor(batches * share));
    }

    @Override
    public String toString() {
        return value().toString();
    }
}
