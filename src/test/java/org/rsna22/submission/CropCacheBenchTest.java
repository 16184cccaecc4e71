package org.rsna22.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rsna22.batch.JobRunner;
import org.rsna22.bench.FractureBenchmark;
import org.rsna22.config.ConfigLoader;
import org.rsna22.config.FractureConfig;
import org.rsna22.dataset.CompetitionLayout;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.testsupport.FailingDicomSource;
import org.rsna22.testsupport.TrainedWorkFolder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * {@code bench fracture --crops-only} on a trained work folder (the one {@link WorkFolderTrustTest} shares, so the
 * same test context): an epoch's images from the zstd crop cache, from the same crops raw, and decoded from DICOM; the
 * raw copies are bytes the cache saves, and the bench leaves the work folder as it found it.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:submission;DB_CLOSE_DELAY=-1")
@Import({org.rsna22.testsupport.JobTestSupport.FailingSourceConfig.class, SubmissionJobsTest.FailingEpoch.class})
class CropCacheBenchTest {

    @Autowired
    JobRunner runner;

    @Autowired
    FailingDicomSource source;

    @Test
    void theCacheIsReadAgainstRawCropsAndDecodingAndTheWorkFolderIsLeftAsItWas() throws Exception {
        source.disarm();
        Path work = TrainedWorkFolder.copy(runner, source, "crop-bench");
        List<String> before = listing(work);
        FractureConfig config = ConfigLoader.load(TrainedWorkFolder.CONFIG).fracture();
        StringWriter text = new StringWriter();
        FractureBenchmark.cropCache(new CompetitionLayout(TrainedWorkFolder.data()), new WorkLayout(work), config,
                new PrintWriter(text, true));
        String out = text.toString();
        assertThat(out).contains("zstd (the cache)", "decoding DICOM", "an epoch over 2,019 studies");
        Matcher zstd = Pattern.compile("zstd \\(the cache\\)\\s+([\\d.]+) studies/s\\s+\\d+ slices/s\\s+([\\d,]+) bytes")
                .matcher(out);
        Matcher raw = Pattern.compile("raw\\s+([\\d.]+) studies/s\\s+\\d+ slices/s\\s+([\\d,]+) bytes").matcher(out);
        assertThat(zstd.find()).as(out).isTrue();
        assertThat(raw.find()).as(out).isTrue();
        assertThat(Double.parseDouble(zstd.group(1))).isPositive();
        assertThat(Double.parseDouble(raw.group(1))).isPositive();
        long zstdBytes = Long.parseLong(zstd.group(2).replace(",", ""));
        long rawBytes = Long.parseLong(raw.group(2).replace(",", ""));
        assertThat(rawBytes).as("raw crops are larger than the compressed cache").isGreaterThan(zstdBytes);
        assertThat(zstdBytes).as("every training crop, once")
                .isEqualTo(sizeOf(new WorkLayout(work).crops(config.cropSize())));
        assertThat(listing(work)).as("nothing left in the work folder").isEqualTo(before);
    }

    private static List<String> listing(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p) + " " + (Files.isRegularFile(p) ? p.toFile().length() : -1)).sorted()
                    .toList();
        }
    }

    private static long sizeOf(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".crop"))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
