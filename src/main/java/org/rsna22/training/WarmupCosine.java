package org.rsna22.training;

/** The learning rate of SPEC §4: linear warm-up over the first share of steps, then cosine decay to zero. */
public record WarmupCosine(double base, long totalSteps, double warmupShare) {

    public double at(long step) {
        long warm = Math.max(1, Math.round(totalSteps * warmupShare));
        if (step < warm) {
            return base * (step + 1) / warm;
        }
        double t = (double) (step - warm) / Math.max(1, totalSteps - warm);
        return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
    }
}
