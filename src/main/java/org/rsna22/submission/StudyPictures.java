package org.rsna22.submission;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomSource;
import org.rsna22.model.SliceWindow;

/**
 * Pictures of a study's slices: each slice windowed, shown at a fixed size with the predicted study box (red) and,
 * where known, the true box of the slice (green); a strip of a few slices as PNG, all slices as an animated GIF
 * (the JDK's ImageIO GIF writer).
 */
final class StudyPictures {

    static final Color PREDICTED = new Color(230, 40, 40);
    static final Color TRUE = new Color(40, 200, 60);

    /** One slice to draw: its file, the predicted study box and the true box ({@code null} when unknown). */
    record Frame(Path file, int sliceNumber, int[] predicted, int[] truth) {
    }

    private final DicomSource dicom;
    private final double level;
    private final double width;
    private final int size;

    StudyPictures(DicomSource dicom, double level, double width, int size) {
        this.dicom = dicom;
        this.level = level;
        this.width = width;
        this.size = size;
    }

    /** One slice, windowed and scaled to size × size (aspect kept), with its boxes and slice number. */
    BufferedImage draw(Frame f) throws IOException {
        DicomImage img = dicom.readImage(f.file());
        float[] v = SliceWindow.window(img.huShort(), level, width);
        int rows = img.rows();
        int cols = img.columns();
        BufferedImage gray = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                int g = Math.round(v[y * cols + x] * 255);
                gray.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        double scale = (double) size / Math.max(rows, cols);
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(gray, 0, 0, (int) Math.round(cols * scale), (int) Math.round(rows * scale), null);
        g.setStroke(new BasicStroke(1.5f));
        if (f.truth() != null) {
            g.setColor(TRUE);
            box(g, f.truth(), scale);
        }
        if (f.predicted() != null) {
            g.setColor(PREDICTED);
            box(g, f.predicted(), scale);
        }
        g.setColor(Color.YELLOW);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString("slice " + f.sliceNumber(), 3, size - 4);
        g.dispose();
        return out;
    }

    private static void box(Graphics2D g, int[] b, double scale) {
        int x0 = (int) Math.round(b[0] * scale);
        int y0 = (int) Math.round(b[1] * scale);
        g.drawRect(x0, y0, (int) Math.round((b[2] + 1) * scale) - x0, (int) Math.round((b[3] + 1) * scale) - y0);
    }

    /** Slices side by side, as PNG bytes. */
    byte[] strip(List<Frame> frames) throws IOException {
        BufferedImage strip = new BufferedImage(frames.size() * (size + 2), size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = strip.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, strip.getWidth(), size);
        for (int i = 0; i < frames.size(); i++) {
            g.drawImage(draw(frames.get(i)), i * (size + 2), 0, null);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(strip, "png", out);
        return out.toByteArray();
    }

    /** Every frame in order, looping, {@code delayCs} hundredths of a second each, as GIF bytes. */
    byte[] animation(List<Frame> frames, int delayCs) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            ImageWriteParam param = writer.getDefaultWriteParam();
            boolean first = true;
            for (Frame f : frames) {
                BufferedImage img = draw(f);
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), param);
                frameMetadata(meta, delayCs, first);
                writer.writeToSequence(new IIOImage(img, null, meta), param);
                first = false;
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** The frame's delay and, on the first frame, the NETSCAPE2.0 extension that makes the animation loop. */
    private static void frameMetadata(IIOMetadata meta, int delayCs, boolean first) throws IOException {
        String format = meta.getNativeMetadataFormatName();
        IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
        IIOMetadataNode control = child(root, "GraphicControlExtension");
        control.setAttribute("disposalMethod", "none");
        control.setAttribute("userInputFlag", "FALSE");
        control.setAttribute("transparentColorFlag", "FALSE");
        control.setAttribute("delayTime", Integer.toString(delayCs));
        control.setAttribute("transparentColorIndex", "0");
        if (first) {
            IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
            app.setAttribute("applicationID", "NETSCAPE");
            app.setAttribute("authenticationCode", "2.0");
            app.setUserObject(new byte[] {1, 0, 0}); // loop forever
            child(root, "ApplicationExtensions").appendChild(app);
        }
        meta.setFromTree(format, root);
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }
}
