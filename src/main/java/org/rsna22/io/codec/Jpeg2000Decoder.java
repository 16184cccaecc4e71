package org.rsna22.io.codec;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import ome.codecs.JPEG2000Codec;
import ome.codecs.JPEG2000CodecOptions;
import org.rsna22.io.IoErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG 2000 (part 1 codestream or JP2) decoding through ome-codecs' jj2000, one grayscale component. jj2000 loops
 * forever on some damaged codestreams (packet data overwritten with 0xFF, found by the reader fuzzing), so it runs
 * on a watchdog thread: past a time limit (20 s) the file is refused as corrupt and the stuck thread is stopped.
 */
public final class Jpeg2000Decoder {

    /** A 512² slice decodes in well under a second; {@code -Drsna22.j2k.timeout-ms} changes the limit. */
    static final String TIMEOUT_PROPERTY = "rsna22.j2k.timeout-ms";
    private static final Logger LOG = LoggerFactory.getLogger(Jpeg2000Decoder.class);

    private Jpeg2000Decoder() {
    }

    private static byte[] decompress(byte[] data, JPEG2000CodecOptions options) throws CodecException {
        FutureTask<byte[]> task = new FutureTask<>(() -> new JPEG2000Codec().decompress(data, options));
        Thread worker = new Thread(task, "jpeg2000-decode");
        worker.setDaemon(true);
        worker.start();
        long timeout = Long.getLong(TIMEOUT_PROPERTY, 20_000);
        try {
            return task.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stop(worker);
            throw new CodecException("JPEG 2000 stream is corrupt: the decoder did not finish within " + timeout
                    + " ms (it loops on this codestream)");
        } catch (InterruptedException e) {
            stop(worker);
            Thread.currentThread().interrupt();
            throw new CodecException("interrupted while decoding JPEG 2000");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new CodecException("JPEG 2000 stream cannot be decoded: " + IoErrors.rootMessage(cause), cause);
        }
    }

    /** Stops a decoder thread that loops (Thread.stop works up to Java 19; later ones leave it to spin as a daemon). */
    @SuppressWarnings({"deprecation", "removal"})
    private static void stop(Thread worker) {
        worker.interrupt();
        try {
            worker.stop();
        } catch (UnsupportedOperationException e) {
            LOG.warn("a JPEG 2000 decoder thread loops on a corrupt codestream and cannot be stopped on this Java; it "
                    + "keeps a core busy until the process ends");
        }
    }

    /** Decodes to raw sample bit patterns (the caller masks and sign-extends to BitsStored). */
    public static int[] decode(byte[] data, int rows, int columns) throws CodecException {
        JPEG2000CodecOptions options = JPEG2000CodecOptions.getDefaultOptions();
        options.littleEndian = true;
        options.interleaved = false;
        byte[] raw = decompress(data, options);
        int pixels = rows * columns;
        if (raw == null || raw.length == 0 || raw.length % pixels != 0) {
            throw new CodecException("JPEG 2000 stream decoded to " + (raw == null ? 0 : raw.length)
                    + " bytes, not a whole number of samples for " + columns + "×" + rows);
        }
        int bytesPerSample = raw.length / pixels;
        int[] out = new int[pixels];
        switch (bytesPerSample) {
            case 1 -> {
                for (int i = 0; i < pixels; i++) {
                    out[i] = raw[i] & 0xFF;
                }
            }
            case 2 -> {
                for (int i = 0, j = 0; i < pixels; i++, j += 2) {
                    out[i] = (raw[j] & 0xFF) | ((raw[j + 1] & 0xFF) << 8);
                }
            }
            case 4 -> {
                for (int i = 0, j = 0; i < pixels; i++, j += 4) {
                    out[i] = (raw[j] & 0xFF) | ((raw[j + 1] & 0xFF) << 8) | ((raw[j + 2] & 0xFF) << 16)
                            | ((raw[j + 3] & 0xFF) << 24);
                }
            }
            default -> throw new CodecException("JPEG 2000 stream has " + bytesPerSample
                    + " bytes per pixel; only one grayscale component is supported");
        }
        return out;
    }
}
