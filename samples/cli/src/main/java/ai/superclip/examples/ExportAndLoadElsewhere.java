package ai.superclip.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.superclip.model.InferenceExport;
import ai.superclip.model.SuperClipModel;
import ai.superclip.tokenization.ClipTokenizer;
import ai.superclip.train.RunFiles;
import ai.superclip.train.Trainer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Exports the encoders of a training run's newest checkpoint and runs the text encoder in a plain ONNX
 * Runtime session: the files need no training build, so any ONNX Runtime (Python, C#, Node, the stock Java jar)
 * loads them the same way.
 *
 * <pre>java -cp samples/cli/target/superclip.jar ai.superclip.examples.ExportAndLoadElsewhere runs/demo/superclip exported "a red circle"</pre>
 */
public final class ExportAndLoadElsewhere {
    public static void main(String[] args) throws Exception {
        Path checkpoint = RunFiles.checkpoint(Path.of(args[0]), "latest");
        Path out = Path.of(args[1]);
        Trainer.exportEncoders(RunFiles.model(checkpoint), checkpoint, out);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession text = env.createSession(out.resolve(InferenceExport.TEXT_ENCODER).toString());
                ClipTokenizer tokenizer = ClipTokenizer.clip()) {
            System.out.println("metadata: " + text.getMetadata().getCustomMetadata());
            long[] ids = tokenizer.encode(args.length > 2 ? args[2] : "a red circle");
            try (OnnxTensor input = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length});
                    OrtSession.Result result = text.run(Map.of(SuperClipModel.INPUT_IDS, input))) {
                float[] embedding = ((float[][]) result.get(0).getValue())[0];
                System.out.printf("text embedding: %d values, first %.4f%n", embedding.length, embedding[0]);
            }
        }
    }
}
