package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** rsna22.devices and the pool that hands devices to partitions: one each, given back, waited for when all are out. */
class DevicePoolTest {

    @Test
    void aSettingNamesTheDevicesAndAutoIsEveryGpuOrElseTheCpu() {
        assertThat(DevicePool.of("auto", () -> 0).slots()).extracting(DevicePool.Slot::name).containsExactly("cpu");
        assertThat(DevicePool.of("auto", () -> 0).cpuOnly()).isTrue();
        assertThat(DevicePool.of("auto", () -> 3).slots()).extracting(DevicePool.Slot::name)
                .containsExactly("gpu0", "gpu1", "gpu2");
        assertThat(DevicePool.of("cpu", () -> 4).slots()).extracting(DevicePool.Slot::name).containsExactly("cpu");
        assertThat(DevicePool.of("0, 2,2", () -> 4).slots()).extracting(DevicePool.Slot::name)
                .containsExactly("gpu0", "gpu2", "gpu2");
        assertThat(DevicePool.of("1,3", () -> 4).size()).isEqualTo(2);
        assertThatThrownBy(() -> DevicePool.of("2", () -> 2).size()).hasMessageContaining("lists GPU 2")
                .hasMessageContaining("sees 2 GPUs");
        assertThatThrownBy(() -> DevicePool.of("0", () -> 0).size()).hasMessageContaining("a CPU build, or no driver");
        assertThatThrownBy(() -> DevicePool.of("gpu", () -> 0)).hasMessageContaining("auto, cpu or GPU ids");
    }

    @Test
    void theGpusAreCountedOnlyWhenFirstAsked() {
        int[] asked = {0};
        DevicePool p = DevicePool.of("auto", () -> {
            asked[0]++;
            return 1;
        });
        assertThat(asked[0]).isZero(); // building the pool (every command does) does not load the engine
        assertThat(p.size()).isEqualTo(1);
        assertThat(p.slots()).hasSize(1);
        assertThat(asked[0]).isEqualTo(1);
    }

    @Test
    void theCpuIsSharedByAnyNumberOfPartitions() throws Exception {
        DevicePool cpu = DevicePool.of("cpu", () -> 0);
        try (DevicePool.Lease a = cpu.acquire(); DevicePool.Lease b = cpu.acquire(); DevicePool.Lease c = cpu.acquire()) {
            assertThat(List.of(a.name(), b.name(), c.name())).containsOnly("cpu");
        }
    }

    @Test
    void aGpuIsHeldByOnePartitionAndTheNextWaitsForOneToComeBack() throws Exception {
        DevicePool pool = DevicePool.standIns("gpu0", "gpu1");
        DevicePool.Lease a = pool.acquire();
        DevicePool.Lease b = pool.acquire();
        assertThat(List.of(a.name(), b.name())).containsExactly("gpu0", "gpu1");
        assertThat(pool.available()).isZero();
        AtomicReference<String> third = new AtomicReference<>();
        CountDownLatch got = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (DevicePool.Lease c = pool.acquire()) {
                third.set(c.name());
                got.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        assertThat(got.await(300, TimeUnit.MILLISECONDS)).as("waits while both are out").isFalse();
        b.close();
        b.close(); // a second close gives nothing back twice
        assertThat(got.await(5, TimeUnit.SECONDS)).isTrue();
        t.join();
        assertThat(third.get()).isEqualTo("gpu1");
        a.close();
        assertThat(pool.available()).isEqualTo(2);
    }

    @Test
    void aBuildAndAMachineThatDisagreeAreSaidInOneLine() {
        assertThat(Engines.check("cu124", 0, false)).contains("CUDA natives (cu124)", "no usable NVIDIA GPU or driver",
                "./mvnw package");
        assertThat(Engines.check("cu124", 0, true)).contains("a driver is installed");
        assertThat(Engines.check("cu124", 2, true)).isNull();
        assertThat(Engines.check("cpu", 0, true)).contains("runs on the CPU", "./mvnw -Pcuda package");
        assertThat(Engines.check("cpu", 0, false)).isNull();
        assertThat(Engines.flavor()).isEqualTo("cpu"); // this build's, from the filtered build properties
    }
}
