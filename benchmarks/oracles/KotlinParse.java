import com.intellij.openapi.Disposable;
import com.intellij.openapi.util.Disposer;
import com.intellij.psi.PsiElement;
import com.intellij.psi.PsiErrorElement;
import com.intellij.psi.util.PsiTreeUtil;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.jetbrains.kotlin.cli.FrontendConfigurationKeysKt;
import org.jetbrains.kotlin.cli.jvm.compiler.EnvironmentConfigFiles;
import org.jetbrains.kotlin.cli.jvm.compiler.KotlinCoreEnvironment;
import org.jetbrains.kotlin.compiler.plugin.CompilerPluginRegistrar;
import org.jetbrains.kotlin.config.CommonConfigurationKeys;
import org.jetbrains.kotlin.config.CompilerConfiguration;
import org.jetbrains.kotlin.psi.KtFile;
import org.jetbrains.kotlin.psi.KtPsiFactory;

/**
 * Judge of the syntax oracle for Kotlin: the Kotlin compiler's own parser (its PSI, as kotlinc builds it
 * before any analysis), one JVM for a batch.
 *
 * <p>Reads files framed as "NAME\tLENGTH\n" followed by LENGTH bytes of UTF-8 on stdin; prints one line
 * per file: "OK", or "ERR\tLINE\tMESSAGE" for the first syntax error.
 */
public final class KotlinParse {
    private KotlinParse() {}

    public static void main(String[] args) throws IOException {
        Disposable disposable = Disposer.newDisposable();
        CompilerConfiguration configuration = new CompilerConfiguration();
        configuration.put(CommonConfigurationKeys.MODULE_NAME, "oracle");
        FrontendConfigurationKeysKt.setExtensionsStorage(configuration, new CompilerPluginRegistrar.ExtensionStorage());
        KotlinCoreEnvironment environment = KotlinCoreEnvironment.createForProduction(
                disposable, configuration, EnvironmentConfigFiles.JVM_CONFIG_FILES);
        KtPsiFactory factory = new KtPsiFactory(environment.getProject(), false);
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in, 1 << 16));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        String header;
        while ((header = readHeader(in)) != null) {
            int tab = header.lastIndexOf('\t');
            byte[] bytes = new byte[Integer.parseInt(header.substring(tab + 1))];
            in.readFully(bytes);
            String name = header.substring(0, tab);
            String text = new String(bytes, StandardCharsets.UTF_8).replace("\r\n", "\n");
            try {
                KtFile file = factory.createFile(name.endsWith(".kts") ? name : "f.kt", text);
                PsiErrorElement error = PsiTreeUtil.findChildOfType(file, PsiErrorElement.class);
                if (error == null) {
                    out.println("OK");
                } else {
                    int offset = error.getTextRange().getStartOffset();
                    int line = 1;
                    for (int i = 0; i < offset && i < text.length(); i++) {
                        if (text.charAt(i) == '\n') {
                            line++;
                        }
                    }
                    out.println("ERR\t" + line + "\t" + oneLine(error.getErrorDescription()));
                }
            } catch (RuntimeException | Error e) {
                out.println("CRASH\t0\t" + oneLine(e.toString()));
            }
        }
        Disposer.dispose(disposable);
    }

    private static String readHeader(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        return b == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    private static String oneLine(String message) {
        String flat = message.replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) : flat;
    }
}
