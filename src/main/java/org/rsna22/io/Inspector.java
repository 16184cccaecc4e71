package org.rsna22.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.rsna22.io.dicom.DicomFile;
import org.rsna22.io.dicom.DicomImage;
import org.rsna22.io.dicom.DicomReader;
import org.rsna22.io.dicom.Tags;
import org.rsna22.io.nifti.NiftiReader;
import org.rsna22.io.nifti.NiftiVolume;

/** The facts `inspect` prints about one DICOM or NIfTI file, in a stable field order. */
public final class Inspector {
    private Inspector() {
    }

    public static Map<String, Object> inspect(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a pipe would block the read forever
            throw new IOException(file + ": not a regular file (a pipe, device, socket or folder)");
        }
        return isNifti(file) ? nifti(file) : dicom(file);
    }

    /** NIfTI by name (.nii, .nii.gz) or by the sizeof_hdr of 348 at the start of the file. */
    static boolean isNifti(Path file) throws IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".nii") || n.endsWith(".nii.gz")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            if (b.length < 4) {
                return false;
            }
            int le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
            return le == 348 || Integer.reverseBytes(le) == 348;
        }
    }

    static Map<String, Object> dicom(Path file) throws IOException {
        DicomImage img = DicomReader.readImage(file);
        DicomFile h = img.header();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("format", "dicom");
        m.put("transferSyntaxUid", h.transferSyntaxUid());
        m.put("studyInstanceUid", h.dataset().getString(Tags.STUDY_INSTANCE_UID));
        m.put("rows", img.rows());
        m.put("columns", img.columns());
        m.put("bitsStored", img.bitsStored());
        m.put("pixelRepresentation", img.signed() ? 1 : 0);
        m.put("photometricInterpretation", h.dataset().getString(Tags.PHOTOMETRIC_INTERPRETATION));
        m.put("imagePositionPatient", h.doubles(Tags.IMAGE_POSITION_PATIENT));
        m.put("imageOrientationPatient", h.doubles(Tags.IMAGE_ORIENTATION_PATIENT));
        m.put("pixelSpacing", h.doubles(Tags.PIXEL_SPACING));
        m.put("rescaleSlope", img.rescaleSlope());
        m.put("rescaleIntercept", img.rescaleIntercept());
        short[] hu = img.huShort();
        ByteBuffer bb = ByteBuffer.allocate(hu.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bb.asShortBuffer().put(hu);
        m.put("huSha256", Sha256.of(bb.array()));
        return m;
    }

    static Map<String, Object> nifti(Path file) throws IOException {
        NiftiVolume v = NiftiReader.read(file);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("format", "nifti1");
        m.put("dim", v.dim());
        m.put("datatype", v.datatypeName());
        m.put("pixdim", v.pixdim());
        m.put("sclSlope", v.sclSlope());
        m.put("sclInter", v.sclInter());
        m.put("qformCode", v.qformCode());
        m.put("sformCode", v.sformCode());
        m.put("affine", v.affine());
        long n = v.voxelCount();
        ByteBuffer bb = ByteBuffer.allocate((int) Math.min(n * 4, Integer.MAX_VALUE)).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            bb.putFloat((float) v.value(i));
        }
        m.put("sha256", Sha256.of(bb.array()));
        return m;
    }
}
