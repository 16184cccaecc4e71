package org.rsna22.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeAllocatorTest {

    @Test
    void namesTheAllocatorMappedIntoTheProcess(@TempDir Path tmp) throws Exception {
        Path glibc = Files.writeString(tmp.resolve("glibc"), """
                7f0000000000-7f0000001000 r-xp 00000000 fe:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f0000002000-7f0000003000 r-xp 00000000 fe:01 2 /usr/lib/jvm/java-17/lib/server/libjvm.so
                """);
        Path jemalloc = Files.writeString(tmp.resolve("jemalloc"), Files.readString(glibc)
                + "7f0000004000-7f0000005000 r-xp 00000000 fe:01 3 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n");
        assertThat(NativeAllocator.inUse("Linux", glibc)).isEqualTo("glibc");
        assertThat(NativeAllocator.inUse("Linux", jemalloc)).isEqualTo("jemalloc");
        assertThat(NativeAllocator.inUse("Mac OS X", glibc)).isEqualTo("system");
        assertThat(NativeAllocator.inUse("Linux", tmp.resolve("missing"))).isEqualTo("system");
    }

    @Test
    void thisProcessIsSeenAsItWasStarted() {
        // surefire starts the test JVM without LD_PRELOAD: glibc on Linux, and the advice is given
        String env = String.valueOf(System.getenv("LD_PRELOAD"));
        if (System.getProperty("os.name").contains("Linux") && !env.contains("jemalloc")) {
            assertThat(NativeAllocator.inUse()).isEqualTo("glibc");
        }
        if (env.contains("jemalloc")) {
            assertThat(NativeAllocator.inUse()).isEqualTo("jemalloc");
            assertThat(NativeAllocator.advice()).isEmpty();
        }
    }

    @Test
    void countsTheNativeMemoryThatIsLive() {
        if (!NativeAllocator.inUse().equals("glibc") && !NativeAllocator.inUse().equals("jemalloc")) {
            return; // neither answers: -1, checked below
        }
        long before = NativeAllocator.allocatedBytes();
        assertThat(before).isPositive();
        // 64 MiB of native memory held, then freed (a direct buffer's memory comes from malloc)
        com.sun.jna.Memory held = new com.sun.jna.Memory(64L << 20);
        long during = NativeAllocator.allocatedBytes();
        held.close();
        long after = NativeAllocator.allocatedBytes();
        assertThat(during - before).isBetween(60L << 20, 80L << 20);
        assertThat(during - after).isBetween(60L << 20, 80L << 20);
    }

    @Test
    void theProcessesWeStartGetJemallocUnlessTheirEnvironmentSaysOtherwise() {
        Map<String, String> plain = new HashMap<>();
        NativeAllocator.preloadJemalloc(plain);
        NativeAllocator.jemalloc().ifPresentOrElse(
                lib -> assertThat(plain).containsEntry("LD_PRELOAD", lib.toString())
                        .containsEntry("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1"),
                () -> assertThat(plain).isEmpty());
        Map<String, String> glibc = new HashMap<>(Map.of("LD_PRELOAD", ""));
        NativeAllocator.preloadJemalloc(glibc);
        assertThat(glibc).containsOnly(Map.entry("LD_PRELOAD", ""));
        Map<String, String> chosen = new HashMap<>(Map.of("RSNA22_MALLOC", "glibc"));
        NativeAllocator.preloadJemalloc(chosen);
        assertThat(chosen).doesNotContainKey("LD_PRELOAD");
    }

    @Test
    void theAdviceSaysHowToStartWithJemalloc() {
        Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
        assertThat(NativeAllocator.advice(Optional.of(lib))).contains("glibc's malloc").contains("./rsna22 COMMAND")
                .contains("LD_PRELOAD=" + lib).contains("RSNA22_MALLOC=glibc");
        assertThat(NativeAllocator.advice(Optional.empty())).contains("libjemalloc2").doesNotContain("LD_PRELOAD");
        // what the advice says to run is what ./rsna22 runs: jemalloc that keeps its freed pages
        assertThat(NativeAllocator.advice(Optional.of(lib)))
                .contains("MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1");
    }

    @Test
    void jemallocAtItsDefaultDecayGetsAdviceAsRsna22StartsItDoesNot() {
        Optional<Path> lib = Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
        assertThat(NativeAllocator.advice("jemalloc", null, lib)).hasValueSatisfying(line -> assertThat(line)
                .contains("returns freed pages").contains("MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"));
        assertThat(NativeAllocator.advice("jemalloc", "background_thread:true", lib)).isPresent();
        assertThat(NativeAllocator.advice("jemalloc", "dirty_decay_ms:-1,muzzy_decay_ms:-1", lib)).isEmpty();
        assertThat(NativeAllocator.advice("glibc", null, lib)).hasValueSatisfying(line -> assertThat(line)
                .contains("glibc's malloc"));
        assertThat(NativeAllocator.advice("tcmalloc", null, lib)).isEmpty();
    }

    @Test
    void aJarStartedOnGlibcIsStartedAgainWithTheSameCommandLineOnlyWhenJemallocIsThereAndNothingChoseOtherwise() {
        Optional<Path> lib = Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
        String jar = "target/rsna22.jar demo --studies 20";
        Optional<String> java = Optional.of("/usr/lib/jvm/java-17/bin/java");
        Optional<String[]> args = Optional.of(new String[] {"-Xmx4g", "-jar", "target/rsna22.jar", "demo", "--studies", "20"});
        assertThat(NativeAllocator.restartCommand("glibc", Map.of(), lib, jar, java, args)).contains(
                List.of("/usr/lib/jvm/java-17/bin/java", "-Xmx4g", "-jar", "target/rsna22.jar", "demo",
                        "--studies", "20"));
        // already preloaded (or an empty LD_PRELOAD: glibc on purpose), glibc chosen, another allocator, no jemalloc,
        // not started from the jar (a test JVM), or the command line unknown: runs where it is
        assertThat(NativeAllocator.restartCommand("glibc", Map.of("LD_PRELOAD", ""), lib, jar, java, args)).isEmpty();
        assertThat(NativeAllocator.restartCommand("glibc", Map.of("RSNA22_MALLOC", "glibc"), lib, jar, java, args))
                .isEmpty();
        assertThat(NativeAllocator.restartCommand("jemalloc", Map.of(), lib, jar, java, args)).isEmpty();
        assertThat(NativeAllocator.restartCommand("glibc", Map.of(), Optional.empty(), jar, java, args)).isEmpty();
        assertThat(NativeAllocator.restartCommand("glibc", Map.of(), lib,
                "org.apache.maven.surefire.booter.ForkedBooter /tmp/surefire", java, args)).isEmpty();
        assertThat(NativeAllocator.restartCommand("glibc", Map.of(), lib, jar, Optional.empty(), args)).isEmpty();
        assertThat(NativeAllocator.restartCommand("glibc", Map.of(), lib, jar, java, Optional.empty())).isEmpty();
    }
}
