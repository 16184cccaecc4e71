package org.rsna22.training;

/** A batch in plain arrays: images (B·3·S·S), boxes (B·4), has_box (B). */
public record HostBatch(int count, float[] images, float[] boxes, float[] hasBox) {
}
