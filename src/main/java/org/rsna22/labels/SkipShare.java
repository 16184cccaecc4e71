package org.rsna22.labels;

import java.nio.file.Path;
import java.util.Locale;

/** The job fails, with numbers, when a step skipped more than the configured share of its items. */
final class SkipShare {
    private SkipShare() {
    }

    static void check(String step, long skipped, long total, double maxShare, Path where) {
        if (total > 0 && skipped > maxShare * total) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s skipped %d of %d items (%.1f %%), more than prepare.max_skip_share = %.1f %%; the reasons are "
                            + "in %s. Fix the data or raise max_skip_share in the config, then restart.",
                    step, skipped, total, 100.0 * skipped / total, 100 * maxShare, where));
        }
    }
}
