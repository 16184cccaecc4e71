package org.rsna22.fracture;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Block;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.rsna22.dataset.WorkLayout.RunFolder;
import org.rsna22.model.SavedModels;

/**
 * The finished runs of one model (several seeds, or folds), loaded for prediction and closed together. A run whose
 * saved model does not verify is left out with its reason ({@link #leftOut}); none usable is an
 * IllegalStateException, never an IOException that would skip a study as if the study were at fault.
 */
final class TrainedModels implements AutoCloseable {

    private final List<Model> models = new ArrayList<>();
    private final List<String> leftOut;

    TrainedModels(String name, List<RunFolder> runs, Supplier<Block> network, Device device) throws IOException {
        if (runs.isEmpty()) {
            throw new IllegalStateException("no trained " + name + " model to predict with");
        }
        SavedModels.Usable usable = SavedModels.usable(runs);
        leftOut = usable.leftOut();
        if (usable.runs().isEmpty()) {
            throw new IllegalStateException("no usable " + name + " model: " + String.join("; ", leftOut) + ". "
                    + SavedModels.remedy("train-fracture"));
        }
        try {
            for (RunFolder run : usable.runs()) {
                Model m = Model.newInstance(name, device);
                models.add(m);
                m.setBlock(network.get());
                SavedModels.load(m, run.model(), name);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    List<Model> models() {
        return models;
    }

    /** The runs left out, each with the reason (the damaged file and "checksum mismatch"). */
    List<String> leftOut() {
        return leftOut;
    }

    @Override
    public void close() {
        models.forEach(Model::close);
        models.clear();
    }

    /** The models that predict the studies of each fold, loaded when a fold first asks and closed together. */
    static final class ByFold implements AutoCloseable {
        private final FractureModels models;
        private final String model;
        private final Supplier<Block> network;
        private final Device device;
        private final Map<Integer, TrainedModels> loaded = new HashMap<>();

        ByFold(FractureModels models, String model, Supplier<Block> network, Device device) {
            this.models = models;
            this.model = model;
            this.network = network;
            this.device = device;
        }

        /** Every seed's model for a study of {@code fold}. */
        List<Model> of(int fold) throws IOException {
            TrainedModels m = loaded.get(fold);
            if (m == null) {
                m = new TrainedModels(model, models.runsFor(model, fold), network, device);
                loaded.put(fold, m);
            }
            return m.models();
        }

        /** The runs left out so far, over every fold asked for. */
        List<String> leftOut() {
            return loaded.values().stream().flatMap(m -> m.leftOut().stream()).toList();
        }

        @Override
        public void close() {
            loaded.values().forEach(TrainedModels::close);
            loaded.clear();
        }
    }
}
