package org.rsna22.training;

import java.util.Locale;

/**
 * What one epoch measured; validation values are NaN for fold -1 (no validation studies).
 *
 * @param valAuc has_box AUC over validation triplets
 * @param valIou mean IoU of predicted and true boxes over validation triplets that have a box
 */
public record EpochMetrics(int epoch, double trainLoss, double valLoss, double valAuc, double valIou, double lr,
                           double seconds, double imagesPerSecond) {

    static final String HEADER = "epoch,train_loss,val_loss,val_auc,val_iou,lr,seconds,images_per_second";

    String csvLine() {
        return String.format(Locale.ROOT, "%d,%.6f,%s,%s,%s,%.8f,%.2f,%.1f", epoch, trainLoss, num(valLoss),
                num(valAuc), num(valIou), lr, seconds, imagesPerSecond);
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }
}
