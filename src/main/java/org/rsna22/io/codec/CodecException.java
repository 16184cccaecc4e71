package org.rsna22.io.codec;

/** Compressed pixel data that cannot be decoded; the message says what is wrong with the stream. */
public class CodecException extends Exception {
    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
