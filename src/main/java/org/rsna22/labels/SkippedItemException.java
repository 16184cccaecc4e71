package org.rsna22.labels;

/** An item that cannot be used, for a reason that is not an I/O error (the reason goes to skipped.csv). */
public class SkippedItemException extends Exception {
    public SkippedItemException(String reason) {
        super(reason);
    }
}
