package org.rsna22.model;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine this build carries (the PyTorch natives' flavour: cpu, or cu124 from {@code -Pcuda}) and the GPUs it
 * sees, with one line a user can act on when the two disagree with the machine: a CUDA build without a usable
 * driver fails before any work; a CPU build on a machine with NVIDIA GPUs says that it runs on the CPU.
 */
public final class Engines {

    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);
    private static final Path NVIDIA_DRIVER = Path.of("/proc/driver/nvidia/version");

    private Engines() {
    }

    /** The flavour of the PyTorch natives the build packed: "cpu" or "cu124". */
    public static String flavor() {
        Properties p = new Properties();
        try (InputStream in = Engines.class.getResourceAsStream("/rsna22-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "cpu";
        }
        String f = p.getProperty("pytorch.flavor", "cpu");
        return f.startsWith("${") ? "cpu" : f;
    }

    /** The GPUs the engine sees, after the checks of {@link #check}. */
    public static int gpuCount() {
        String flavor = flavor();
        int gpus;
        try {
            gpus = Engine.getInstance().getGpuCount();
        } catch (RuntimeException | LinkageError e) {
            if (flavor.startsWith("cu")) {
                throw new IllegalStateException(check(flavor, 0, Files.exists(NVIDIA_DRIVER)), e);
            }
            throw e;
        }
        String problem = check(flavor, gpus, Files.exists(NVIDIA_DRIVER));
        if (problem != null && flavor.startsWith("cu")) {
            throw new IllegalStateException(problem);
        }
        if (problem != null) {
            LOG.warn(problem);
        }
        return gpus;
    }

    /** The memory in use on a GPU (the device's, every process's), or 0 where the engine cannot say. */
    public static double memoryInUse(ai.djl.Device device) {
        try {
            java.lang.management.MemoryUsage m = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
            return m.getUsed();
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * What is wrong with running a build of {@code flavor} on a machine whose engine sees {@code gpus} GPUs, with or
     * without an NVIDIA driver: null when nothing is.
     */
    static String check(String flavor, int gpus, boolean nvidiaDriver) {
        if (flavor.startsWith("cu") && gpus == 0) {
            return "this build carries PyTorch's CUDA natives (" + flavor + ") but finds no usable NVIDIA GPU"
                    + (nvidiaDriver ? " (a driver is installed: is it for CUDA 12.4 or newer?)" : " or driver")
                    + ": install the NVIDIA driver, or build for the CPU with ./mvnw package (without -Pcuda)";
        }
        if (!flavor.startsWith("cu") && nvidiaDriver) {
            return "this machine has NVIDIA GPUs, but this build runs on the CPU: build with ./mvnw -Pcuda package "
                    + "to train and predict on them";
        }
        return null;
    }
}
