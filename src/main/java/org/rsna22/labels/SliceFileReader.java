package org.rsna22.labels;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import org.rsna22.dataset.CompetitionLayout;
import org.springframework.batch.infrastructure.item.support.AbstractItemCountingItemStreamItemReader;

/**
 * Every file of the studies of one partition, study by study, in slice-number order (files whose names are
 * not slice numbers last). Only one study folder is listed in memory at a time. Restartable: the item count
 * is saved with each chunk and restored by re-listing, not by re-reading files.
 */
public class SliceFileReader extends AbstractItemCountingItemStreamItemReader<SliceFile> {

    private static final Comparator<SliceFile> ORDER = Comparator
            .comparingInt((SliceFile f) -> f.sliceNumber() < 0 ? Integer.MAX_VALUE : f.sliceNumber())
            .thenComparing(f -> f.path().getFileName().toString());

    private final CompetitionLayout data;
    private final List<StudyEntry> studies;
    private Iterator<StudyEntry> studyIterator;
    private final Deque<SliceFile> current = new ArrayDeque<>();

    public SliceFileReader(CompetitionLayout data, List<StudyEntry> studies) {
        this.data = data;
        this.studies = studies;
        setName("sliceFiles");
    }

    @Override
    protected void doOpen() {
        studyIterator = studies.iterator();
        current.clear();
    }

    @Override
    protected SliceFile doRead() throws IOException {
        while (current.isEmpty()) {
            if (!studyIterator.hasNext()) {
                return null;
            }
            String uid = studyIterator.next().studyUid();
            List<SliceFile> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(data.studyFolder(uid))) {
                for (Path p : ds) {
                    // everything but folders: pipes, devices and links are skipped with their reason, not ignored
                    if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        files.add(new SliceFile(uid, CompetitionLayout.sliceNumberOf(p.getFileName().toString()), p));
                    }
                }
            }
            files.sort(ORDER);
            current.addAll(files);
        }
        return current.poll();
    }

    @Override
    protected void doClose() {
        current.clear();
    }
}
