package org.rsna22.io.dicom;

/**
 * The header of a DICOM Part 10 file, read up to (but not including) the value of the top-level
 * Pixel Data element.
 *
 * @param name              the file as named by the caller
 * @param meta              the file meta information (group 0002), empty when the file has none
 * @param dataset           the dataset elements before the pixel data
 * @param transferSyntaxUid the transfer syntax UID as found (or inferred when the file has no meta)
 * @param transferSyntax    the parsed syntax
 * @param pixelDataVr       the VR of the pixel data element, or null when the file has none
 * @param pixelDataOffset   the offset of the pixel data value (in the inflated stream for deflated files), or -1
 * @param pixelDataLength   the declared value length, -1 when undefined (encapsulated)
 */
public record DicomFile(String name, DicomObject meta, DicomObject dataset, String transferSyntaxUid,
                        TransferSyntax transferSyntax, VR pixelDataVr, long pixelDataOffset, long pixelDataLength) {

    public boolean hasPixelData() {
        return pixelDataOffset >= 0;
    }

    /** A required integer attribute, or a MISSING_ATTRIBUTE error naming it. */
    public int requireInt(int tag) throws DicomException {
        try {
            int v = dataset.getInt(tag, Integer.MIN_VALUE);
            if (v == Integer.MIN_VALUE) {
                throw new DicomException(DicomException.Kind.MISSING_ATTRIBUTE, name, tag, -1,
                        "required attribute is missing");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DicomException(DicomException.Kind.MALFORMED, name, tag, -1, e.getMessage());
        }
    }

    /** Numeric values of a DS/FD attribute, or null; a value that is not a number is a MALFORMED error. */
    public double[] doubles(int tag) throws DicomException {
        try {
            return dataset.getDoubles(tag);
        } catch (NumberFormatException e) {
            throw new DicomException(DicomException.Kind.MALFORMED, name, tag, -1, e.getMessage());
        }
    }
}
