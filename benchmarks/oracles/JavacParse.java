import com.sun.source.util.JavacTask;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

/**
 * Judge of the syntax oracle for Java: javac's own parser (JavacTask.parse), one JVM for a batch.
 *
 * <p>Reads files framed as "NAME\tLENGTH\n" followed by LENGTH bytes of UTF-8 on stdin; prints one line
 * per file: "OK", or "ERR\tLINE\tMESSAGE" for the first parse error.
 */
public final class JavacParse {
    private JavacParse() {}

    public static void main(String[] args) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        String header;
        while ((header = readHeader(in)) != null) {
            int tab = header.lastIndexOf('\t');
            byte[] bytes = new byte[Integer.parseInt(header.substring(tab + 1))];
            in.readFully(bytes);
            out.println(parse(compiler, header.substring(0, tab), new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    private static String readHeader(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    private static String parse(JavaCompiler compiler, String name, String text) {
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + name), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) compiler.getTask(Writer.nullWriter(), null, diagnostics,
                List.of("-proc:none", "-Xlint:none"), null, List.of(file));
        try {
            task.parse();
        } catch (IOException | RuntimeException | Error e) {
            return "CRASH\t0\t" + oneLine(e.toString());
        }
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                return "ERR\t" + d.getLineNumber() + "\t" + oneLine(d.getMessage(null));
            }
        }
        return "OK";
    }

    private static String oneLine(String message) {
        String flat = message.replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) : flat;
    }
}
