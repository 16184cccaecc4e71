package org.rsna22.fracture;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.rsna22.io.CheckedFiles;

/**
 * The slice-fracture model's CNN features of every 3-slice image of a study crop, head to feet: what the study
 * classifier (M4) trains on, so that its epochs never run the CNN. One file per study, written atomically, ending
 * with its length and checksum ({@link CheckedFiles}).
 *
 * @param values images × features, row-major
 */
public record StudyEmbedding(String studyUid, int images, int features, float[] values) {

    private static final int MAGIC = 0x52534E32; // "RSN2": with a checksum trailer

    public void write(Path file) throws IOException {
        CheckedFiles.write(file, out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(MAGIC);
            d.writeUTF(studyUid);
            d.writeInt(images);
            d.writeInt(features);
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            d.write(b.array());
            d.flush();
        });
    }

    /** An embedding, verified against its checksum ({@link CheckedFiles.DamagedFileException} when it fails). */
    public static StudyEmbedding read(Path file) throws IOException {
        try (DataInputStream d = CheckedFiles.readStream(file)) {
            if (d.readInt() != MAGIC) {
                throw new CheckedFiles.DamagedFileException(file, "not a study embedding of this version");
            }
            String uid = d.readUTF();
            int images = d.readInt();
            int features = d.readInt();
            if (images < 0 || features <= 0 || (long) images * features > 50_000_000L) {
                throw new IOException(file + ": impossible embedding header (" + images + " × " + features + ")");
            }
            byte[] raw = new byte[images * features * 4];
            d.readFully(raw);
            float[] v = new float[images * features];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return new StudyEmbedding(uid, images, features, v);
        }
    }

    /**
     * The sequence at most {@code maxLength} long: a longer study is resized by linear interpolation over time
     * (SPEC §8), a shorter one keeps its length. Returns length × features values.
     */
    public float[] fitted(int maxLength) {
        if (images <= maxLength) {
            return values;
        }
        float[] out = new float[maxLength * features];
        for (int j = 0; j < maxLength; j++) {
            double p = (double) j * (images - 1) / (maxLength - 1);
            int lo = (int) Math.floor(p);
            int hi = Math.min(images - 1, lo + 1);
            float w = (float) (p - lo);
            for (int f = 0; f < features; f++) {
                out[j * features + f] = values[lo * features + f] * (1 - w) + values[hi * features + f] * w;
            }
        }
        return out;
    }

    public int fittedLength(int maxLength) {
        return Math.min(images, maxLength);
    }
}
