package org.rsna22.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rsna22.dataset.WorkLayout;
import org.rsna22.demo.DemoDatasetGenerator;
import org.rsna22.testsupport.JobTestSupport;
import org.rsna22.testsupport.LockHolder;
import org.springframework.batch.core.BatchStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * A job holds its work folder: a second job on the same folder, from another process and with other parameters
 * (the case that lost rows), is refused with the owner named, before anything runs; the lock of a process killed
 * with -9 is taken over.
 */
@SpringBootTest(properties = "spring.datasource.url=jdbc:h2:mem:lock;DB_CLOSE_DELAY=-1")
class WorkFolderLockTest {

    @Autowired
    JobRunner runner;

    @Test
    void aSecondJobOnTheSameWorkFolderIsRefusedUntilTheOwnerDies(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new DemoDatasetGenerator(new DemoDatasetGenerator.Options(2, 32, 3, 12, 1)).generate(data, null);
        Path work = dir.resolve("work");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(),
                new WorkLayout(work).lock().toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            assertThatThrownBy(() -> JobTestSupport.run(runner, "prepare", data, work, "demo"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(work + " is in use by another job: host=")
                    .hasMessageContaining("pid=" + holder.pid())
                    .hasMessageContaining("running a test's lock holder");
            assertThat(work.resolve("slice_meta_v01.csv.gz")).doesNotExist();
        } finally {
            holder.destroyForcibly(); // kill -9: the OS drops its lock
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(JobTestSupport.run(runner, "prepare", data, work, "demo").getStatus())
                .isEqualTo(BatchStatus.COMPLETED);
        assertThat(Files.readString(new WorkLayout(work).lock())).isEmpty(); // released: it names no one
    }
}
