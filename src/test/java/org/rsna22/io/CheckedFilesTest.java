package org.rsna22.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checked cache file gives back its payload only when its length and CRC32C match; else it names what is wrong. */
class CheckedFilesTest {

    @TempDir
    Path tmp;

    private Path written(byte[] payload) throws IOException {
        Path f = tmp.resolve("a.bin");
        CheckedFiles.write(f, out -> out.write(payload));
        return f;
    }

    private static byte[] payload() {
        byte[] b = new byte[10_000];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void aWholeFileGivesItsPayloadAndItsHeaderStream() throws IOException {
        Path f = written(payload());
        assertThat(Files.size(f)).isEqualTo(10_000 + CheckedFiles.TRAILER);
        assertThat(CheckedFiles.read(f)).isEqualTo(payload());
        assertThat(CheckedFiles.problem(f)).isNull();
        try (InputStream in = CheckedFiles.openPayload(f)) {
            assertThat(in.readAllBytes()).isEqualTo(payload()); // the payload, not the trailer
        }
    }

    @Test
    void aCutChangedOrForeignFileIsADamagedFileNamingItAndTheReason() throws IOException {
        Path f = written(payload());
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.seek(5000);
            r.write(0x42 ^ r.readByte());
        }
        assertThatThrownBy(() -> CheckedFiles.read(f)).isInstanceOf(CheckedFiles.DamagedFileException.class)
                .hasMessageStartingWith(f.toString()).hasMessageContaining("checksum mismatch");
        // the header-only read checks the length alone
        try (InputStream in = CheckedFiles.openPayload(f)) {
            assertThat(in.readAllBytes()).hasSize(10_000);
        }

        Path cut = written(payload());
        try (RandomAccessFile r = new RandomAccessFile(cut.toFile(), "rw")) {
            r.setLength(1000);
        }
        assertThatThrownBy(() -> CheckedFiles.read(cut)).isInstanceOf(CheckedFiles.DamagedFileException.class)
                .hasMessageContaining("no checksum trailer");
        assertThatThrownBy(() -> CheckedFiles.openPayload(cut)).isInstanceOf(CheckedFiles.DamagedFileException.class);
        assertThat(CheckedFiles.problem(cut)).startsWith(cut.toString());

        Path tiny = tmp.resolve("tiny");
        Files.write(tiny, new byte[5]);
        assertThatThrownBy(() -> CheckedFiles.read(tiny)).hasMessageContaining("truncated: 5 bytes");

        Path grown = written(payload());
        byte[] all = Files.readAllBytes(grown);
        byte[] longer = new byte[all.length + 3];
        System.arraycopy(all, 0, longer, 3, all.length); // 3 bytes in front: the trailer still ends the file
        Files.write(grown, longer);
        assertThatThrownBy(() -> CheckedFiles.read(grown)).hasMessageContaining("truncated or extended");
    }
}
