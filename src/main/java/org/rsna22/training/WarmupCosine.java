package org.rsna22.training;

/**
 * The learning rate of SPEC §4: linear warm-up over the first share of steps, then cosine decay to zero; without
 * {@code decay}, the base rate after the warm-up.
 */
public record WarmupCosine(double base, long totalSteps, double warmupShare, boolean decay) {

    /** SPEC §4's schedule: warm-up, then cosine decay. */
    public WarmupCosine(double base, long totalSteps, double warmupShare) {
        this(base, totalSteps, warmupShare, true);
    }

    public double at(long step) {
        long warm = Math.max(1, Math.round(totalSteps * warmupShare));
        if (step < warm) {
            return base * (step + 1) / warm;
        }
        if (!decay) {
            return base;
        }
        double t = (double) (step - warm) / Math.max(1, totalSteps - warm);
        return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
}
