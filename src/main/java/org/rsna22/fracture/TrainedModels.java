package org.rsna22.fracture;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.nn.Block;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.rsna22.dataset.WorkLayout.RunFolder;

/** The finished runs of one model (several seeds, or folds), loaded for prediction and closed together. */
final class TrainedModels implements AutoCloseable {

    private final List<Model> models = new ArrayList<>();

    TrainedModels(String name, List<RunFolder> runs, Supplier<Block> network) throws IOException {
        if (runs.isEmpty()) {
            throw new IllegalStateException("no trained " + name + " model to predict with");
        }
        try {
            for (RunFolder run : runs) {
                Model m = Model.newInstance(name);
                models.add(m);
                m.setBlock(network.get());
                try {
                    m.load(run.model(), name);
                } catch (MalformedModelException e) {
                    throw new IOException(run.dir() + ": the " + name + " model does not fit the config's network: "
                            + e.getMessage(), e);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    List<Model> models() {
        return models;
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
        private final Map<Integer, TrainedModels> loaded = new HashMap<>();

        ByFold(FractureModels models, String model, Supplier<Block> network) {
            this.models = models;
            this.model = model;
            this.network = network;
        }

        /** Every seed's model for a study of {@code fold}. */
        List<Model> of(int fold) throws IOException {
            TrainedModels m = loaded.get(fold);
            if (m == null) {
                m = new TrainedModels(model, models.runsFor(model, fold), network);
                loaded.put(fold, m);
            }
            return m.models();
        }

        @Override
        public void close() {
            loaded.values().forEach(TrainedModels::close);
            loaded.clear();
        }
    }
}
