package org.rsna22.model;

import ai.djl.Device;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * The devices networks run on, handed out one per running partition ({@code rsna22.devices}): {@code auto} (every
 * GPU the engine sees, else the CPU), {@code cpu}, or GPU ids ({@code 0,1,3}; an id listed twice is shared by two
 * partitions). A partition that runs a network takes a device for its whole run and gives it back when it ends,
 * fails or stops; while every GPU is taken the next one waits. The CPU is one device that any number of partitions
 * share, as they always did.
 */
public final class DevicePool {

    /** A device as the pool hands it out: its name in logs, status and progress, and where arrays live. */
    public record Slot(String name, Device device) {
    }

    private final String spec;
    private final IntSupplier gpus;
    private List<Slot> slots;
    private boolean shared;
    private final Deque<Slot> free = new ArrayDeque<>();
    private Consumer<List<Slot>> onResolved = slots -> { };

    private DevicePool(String spec, IntSupplier gpus) {
        this.spec = spec == null || spec.isBlank() ? "auto" : spec.trim();
        this.gpus = gpus;
        if (!this.spec.equals("auto") && !this.spec.equals("cpu") && !this.spec.matches("\\d+(\\s*,\\s*\\d+)*")) {
            throw new IllegalArgumentException("rsna22.devices must be auto, cpu or GPU ids such as 0,1,3; not '"
                    + spec + "'");
        }
    }

    /**
     * The pool of a {@code rsna22.devices} setting; the GPUs are counted (which loads the engine) when first asked.
     *
     * @param gpus how many GPUs the engine sees
     */
    public static DevicePool of(String spec, IntSupplier gpus) {
        return new DevicePool(spec, gpus);
    }

    /**
     * Stand-in devices for tests of the pool on a machine without GPUs: exclusive devices with these names whose
     * arrays live on the CPU.
     */
    public static DevicePool standIns(String... names) {
        DevicePool p = new DevicePool("auto", () -> 0);
        List<Slot> slots = new ArrayList<>();
        for (String n : names) {
            slots.add(new Slot(n, Device.cpu()));
        }
        p.init(slots, false);
        return p;
    }

    private synchronized void resolve() {
        if (slots != null) {
            return;
        }
        List<Slot> out = new ArrayList<>();
        if (spec.equals("cpu")) {
            out.add(new Slot("cpu", Device.cpu()));
        } else if (spec.equals("auto")) {
            int n = gpus.getAsInt();
            for (int i = 0; i < n; i++) {
                out.add(new Slot("gpu" + i, Device.gpu(i)));
            }
            if (n == 0) {
                out.add(new Slot("cpu", Device.cpu()));
            }
        } else {
            int n = gpus.getAsInt();
            for (String id : spec.split(",")) {
                int i = Integer.parseInt(id.trim());
                if (i >= n) {
                    throw new IllegalStateException("rsna22.devices lists GPU " + i + ", but the engine sees " + n
                            + " GPU" + (n == 1 ? "" : "s") + (n == 0 ? " (a CPU build, or no driver)" : "")
                            + "; list ids from 0 to " + (n - 1) + ", or use auto or cpu");
                }
                out.add(new Slot("gpu" + i, Device.gpu(i)));
            }
        }
        init(out, out.size() == 1 && !out.get(0).device().isGpu());
        onResolved.accept(slots);
    }

    /** Called once with the devices when they are first counted (gauges of their memory, for instance). */
    public DevicePool onResolved(Consumer<List<Slot>> action) {
        this.onResolved = action;
        return this;
    }

    private void init(List<Slot> slots, boolean shared) {
        this.slots = List.copyOf(slots);
        this.shared = shared;
        free.addAll(slots);
    }

    /** How many devices there are: what {@code auto} parallelism means (1 on the CPU). */
    public synchronized int size() {
        resolve();
        return slots.size();
    }

    /** The devices, in order. */
    public synchronized List<Slot> slots() {
        resolve();
        return slots;
    }

    /** How many devices are free now (the CPU, shared, always counts as one). */
    public synchronized int available() {
        resolve();
        return shared ? 1 : free.size();
    }

    /** Whether networks run on the CPU alone. */
    public synchronized boolean cpuOnly() {
        resolve();
        return shared;
    }

    /** Takes a device for a partition, waiting while every one is taken. */
    public Lease acquire() throws InterruptedException {
        synchronized (this) {
            resolve();
            if (shared) {
                return new Lease(slots.get(0), false);
            }
            while (free.isEmpty()) {
                wait();
            }
            return new Lease(free.removeFirst(), true);
        }
    }

    private synchronized void release(Slot slot) {
        free.addLast(slot);
        notifyAll();
    }

    /** A device held by a partition until it is closed (once; closing again does nothing). */
    public final class Lease implements AutoCloseable {
        private final Slot slot;
        private final boolean exclusive;
        private boolean closed;

        private Lease(Slot slot, boolean exclusive) {
            this.slot = slot;
            this.exclusive = exclusive;
        }

        public Device device() {
            return slot.device();
        }

        public String name() {
            return slot.name();
        }

        @Override
        public void close() {
            synchronized (DevicePool.this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            if (exclusive) {
                release(slot);
            }
        }
    }
}
