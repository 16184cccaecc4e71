package org.rsna22.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CpuThreadsTest {

    @Test
    void theCoresAreSharedOutAtLeastOneEach() {
        assertThat(CpuThreads.share(2, 2)).isEqualTo(1);
        assertThat(CpuThreads.share(8, 3)).isEqualTo(2);
        assertThat(CpuThreads.share(2, 4)).isEqualTo(1);
        assertThat(CpuThreads.share(4, 1)).isEqualTo(4);
    }

    /** PyTorch gives a thread the process's count when it first computes: what a thread started now would get. */
    private static int newThreadsCount() throws InterruptedException {
        AtomicInteger n = new AtomicInteger(-1);
        Thread t = new Thread(() -> n.set(JniUtils.getNumThreads()));
        t.start();
        t.join();
        return n.get();
    }

    @Test
    void twoRunsAtOnceComputeOnTheirShareAndTheProcessGetsItsCountBackWhenTheLastEnds() throws Exception {
        Engine.getEngine("PyTorch");
        int own = newThreadsCount();
        // a share other than the process's own count, so that the test sees it taken and given back (the unit tests'
        // JVMs compute on one thread each: OMP_NUM_THREADS=1 in the pom)
        int share = own == 1 ? 2 : 1;
        CountDownLatch bothIn = new CountDownLatch(2);
        CountDownLatch firstOut = new CountDownLatch(1);
        AtomicInteger seenInside = new AtomicInteger(-1);
        AtomicInteger startedWhileOneRuns = new AtomicInteger(-1);
        Thread a = new Thread(() -> CpuThreads.during(share, () -> {
            bothIn.countDown();
            await(bothIn);
        }));
        Thread b = new Thread(() -> CpuThreads.during(share, () -> {
            bothIn.countDown();
            await(bothIn);
            seenInside.set(JniUtils.getNumThreads());
            await(firstOut); // still running when the other run has ended
            try {
                startedWhileOneRuns.set(newThreadsCount());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        a.start();
        b.start();
        a.join();
        firstOut.countDown();
        b.join();
        assertThat(seenInside.get()).isEqualTo(share);
        assertThat(startedWhileOneRuns.get()).as("one run still holds its share").isEqualTo(share);
        assertThat(newThreadsCount()).as("after the last run").isEqualTo(own);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
