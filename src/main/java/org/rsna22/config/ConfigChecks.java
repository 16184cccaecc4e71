package org.rsna22.config;

/** The check every config section makes of its values: a refused value names its key and what it must be. */
final class ConfigChecks {

    private ConfigChecks() {
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
