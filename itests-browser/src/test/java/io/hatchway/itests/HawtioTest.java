package io.hatchway.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hatchway.testsupport.TaskClient;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * An operator's session in the real Hawtio 3.0.0 (its standalone server from Maven Central, in a JVM
 * of its own) in headless Chromium (Debian's {@code chromium} and {@code chromedriver}), against a
 * child JVM's Hatchway Jolokia started with {@code allowOrigin} set to Hawtio's origin: add the
 * connection, connect, log in with the password file's password, see the {@code hatchway} tree,
 * read a task's attributes, invoke {@code createExec} and {@code start}, and see a bad call's error
 * as one line. What Hawtio shows is checked against the agent itself over JMX.
 *
 * <p>Skips, saying why, without Chromium or its driver ({@code apt-get install chromium
 * chromium-driver}, as {@code .ci/run} does). On failure a screenshot of each window goes to
 * {@code target/screenshots}.
 */
class HawtioTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The longest any one step may take on a loaded machine; each wait ends as soon as it holds. */
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final String TASK = "t1";
    private static final String CREATE_EXEC = "createExec(java.lang.String,java.lang.String)";
    private static final String START = "start(java.lang.String)";

    @TempDir
    Path dir;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ChildJvm host;
    private WebDriver browser;

    @AfterEach
    void closeEverything() throws Exception {
        if (host != null) {
            try {
                new TaskClient(host.jmx()).killAndDelete(TASK);
            } finally {
                assertEquals(0, host.stop(), "the host exits 0 once its stdin closes");
            }
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        TaskClient.assertNoProcessLeft();
    }

    @Test
    void anOperatorUsesHatchwayFromHawtio() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER + "): skipped");
        int hawtioPort = freePort();
        String console = "http://127.0.0.1:" + hawtioPort;
        ChildJvm hawtio = startHawtio(hawtioPort);
        toClose.add(hawtio);

        Path stateDir = dir.resolve("state");
        host = ChildJvm.startHost(ChildJvm.defaultJava(), "backend=process,port=0,stateDir=" + stateDir
                + ",allowOrigin=" + console);
        URI jolokia = URI.create(host.jolokiaUrl());
        TaskClient tasks = new TaskClient(host.jmx());
        int pid = tasks.startedTask(TASK, dir.resolve("bundle"));

        browser = chromium();
        try {
            connect(console, jolokia, Files.readString(stateDir.resolve("jolokia.password")).strip());

            // the tree: Hatchway's domain and the JVM's, nothing else
            click(By.cssSelector("button[aria-label='Expand Collapse']"));
            List<String> tree = waitFor(() -> treeNodes().contains(TASK) ? treeNodes() : null);
            assertTrue(tree.containsAll(List.of("hatchway", "TaskService", "Task", "Exec", TASK, "java.lang")), tree::toString);
            assertFalse(tree.contains("com.sun.management") || tree.contains("jdk.management.jfr"),
                    "refused domains are hidden: " + tree);

            // a task's attributes, as the agent has them
            click(By.xpath("//li[div//button[normalize-space()='Task']]/ul//button[normalize-space()='" + TASK + "']"));
            String attributes = waitFor(() -> {
                String text = mainText();
                return text.contains("hatchway:type=Task,name=" + TASK) && text.contains("Pid " + pid) ? text : null;
            });
            assertTrue(attributes.contains("Status running"), attributes);
            assertTrue(attributes.contains("Id " + TASK), attributes);
            assertTrue(attributes.contains("Bundle " + dir.resolve("bundle")), attributes);

            // createExec, then start, as a person fills the forms
            click(By.xpath("//a[normalize-space()='Operations'] | //button[normalize-space()='Operations']"));
            String marker = "hello from hawtio " + hawtioPort;
            String created = invoke(CREATE_EXEC, List.of("execId", "e1"),
                    List.of("processJson", TaskClient.process("echo " + marker + "; sleep 600")));
            assertEquals("Operation successful", created);
            assertEquals("created", tasks.status(TASK, "e1"), "Hawtio's createExec made the exec");

            String started = invoke(START, List.of("execId", "e1"));
            CompositeData state = tasks.state(TASK, "e1");
            assertEquals("running", state.get("status"));
            assertEquals(String.valueOf(state.get("pid")), started, "Hawtio shows the pid start returned");
            org.awaitility.Awaitility.await().atMost(STEP).until(() -> String.valueOf(
                    tasks.attribute(TaskClient.exec(TASK, "e1"), "Stdout")).contains(marker));

            // a bad call: the error as one line, with its kind, no stack trace
            String refused = invoke(START, List.of("execId", "nope"));
            assertEquals("NotFound: exec: 'nope' in task: '" + TASK + "' not found", refused);
            assertEquals(List.of("e1"), List.of((String[]) tasks.attribute(TaskClient.task(TASK), "ExecIds")),
                    "the bad call changed nothing");
        } catch (AssertionError | RuntimeException e) {
            screenshots();
            throw e;
        }
        List<String> log = Files.readAllLines(stateDir.resolve("hatchway.log"));
        assertTrue(log.stream().noneMatch(line -> line.contains("(origin)") || line.contains("(access policy)")),
                "Hawtio's origin is trusted and it asked for nothing refused: " + log);
    }

    // ---- Hawtio

    /** Hawtio's standalone server on {@code port}, once its console answers. */
    private ChildJvm startHawtio(int port) throws Exception {
        List<String> classPath = new ArrayList<>(List.of(Files.readString(
                Path.of(System.getProperty("hatchway.hawtio.classpath"))).strip().split(File.pathSeparator)));
        String war = classPath.stream().filter(entry -> entry.endsWith(".war")).findFirst().orElseThrow();
        classPath.add(Path.of(HawtioMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        ChildJvm hawtio = ChildJvm.launch(List.of("-Xmx256m", "-Duser.home=" + dir.resolve("hawtio-home"),
                "-Dhawtio.authenticationEnabled=false", "-cp", String.join(File.pathSeparator, classPath),
                HawtioMain.class.getName(), war, String.valueOf(port)));
        try {
            hawtio.awaitStdout(HawtioMain.RUNNING);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<Void> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hawtio/"))
                    .timeout(STEP).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(200, page.statusCode(), "Hawtio serves its console");
            return hawtio;
        } catch (Exception | AssertionError e) {
            hawtio.close();
            throw e;
        }
    }

    /**
     * Connect, Remote: adds the connection to Hatchway's Jolokia, connects (a new window), and logs
     * in there with {@code password}; returns once the JMX tree is there.
     */
    private void connect(String console, URI jolokia, String password) {
        browser.get(console + "/hawtio/connect");
        click(By.xpath("//button[normalize-space()='Add connection']"));
        type("connection-form-name", "hatchway");
        type("connection-form-host", jolokia.getHost());
        type("connection-form-port", String.valueOf(jolokia.getPort()));
        type("connection-form-path", jolokia.getPath());
        click(By.xpath("//button[normalize-space()='Add']"));
        // Connect is enabled once Hawtio has reached the agent through its proxy
        String consoleWindow = browser.getWindowHandle();
        click(By.xpath("//*[@rowid='connection hatchway']/ancestor::li//button[normalize-space()='Connect']"
                + " | //button[normalize-space()='Connect']"));
        String connected = waitFor(() -> browser.getWindowHandles().stream().filter(h -> !h.equals(consoleWindow))
                .findFirst().orElse(null));
        browser.switchTo().window(connected);
        type("connect-login-form-username", "hatchway");
        type("connect-login-form-password", password);
        click(By.xpath("//button[normalize-space()='Log in']"));
        waitFor(() -> treeNodes().contains("hatchway") ? true : null);
    }

    /**
     * Expands operation {@code signature} of the MBean shown, fills its parameters (name, value
     * pairs), executes it and returns the one line of its result.
     */
    @SafeVarargs
    private String invoke(String signature, List<String>... parameters) {
        By item = By.xpath("//li[@aria-labelledby='operation " + signature + "']");
        WebElement operation = waitFor(() -> browser.findElement(item));
        WebElement toggle = operation.findElement(By.cssSelector("button[aria-label='Details']"));
        if (!"true".equals(toggle.getAttribute("aria-expanded"))) {
            toggle.click();
        }
        String previous = resultOf(operation);
        for (int i = 0; i < parameters.length; i++) {
            type("operation-" + signature + "-arg-form-input-" + parameters[i].get(0) + "-" + i, parameters[i].get(1));
        }
        WebElement execute = operation.findElement(By.xpath(".//button[normalize-space()='Execute']"));
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("arguments[0].scrollIntoView({block:'center'})", execute);
        execute.click();
        return waitFor(() -> {
            String result = resultOf(browser.findElement(item));
            return result != null && !result.equals(previous) ? result : null;
        });
    }

    /** The first line under "Result" in an operation's item, or null when there is none yet. */
    private static String resultOf(WebElement operation) {
        String text = operation.getText();
        int result = text.indexOf("\nResult\n");
        return result < 0 ? null : text.substring(result + "\nResult\n".length()).lines().findFirst().orElse("");
    }

    // ---- the browser

    private WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + dir.resolve("chromium"));
        ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver chrome = new ChromeDriver(driver, options);
        toClose.add(chrome::quit);
        return chrome;
    }

    private void click(By by) {
        new WebDriverWait(browser, STEP).until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    /** Replaces the value of input {@code id} as a person would (select all, type). */
    private void type(String id, String value) {
        WebElement input = new WebDriverWait(browser, STEP).until(ExpectedConditions.elementToBeClickable(By.id(id)));
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        input.sendKeys(value);
    }

    private <T> T waitFor(java.util.function.Supplier<T> condition) {
        return new WebDriverWait(browser, STEP).ignoring(org.openqa.selenium.NoSuchElementException.class)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> condition.get());
    }

    private List<String> treeNodes() {
        return browser.findElements(By.cssSelector("[role=tree] button")).stream().map(WebElement::getText)
                .filter(text -> !text.isBlank()).toList();
    }

    private String mainText() {
        return browser.findElement(By.cssSelector("main")).getText();
    }

    private void screenshots() {
        try {
            Path folder = Files.createDirectories(Path.of(System.getProperty("hatchway.browser.screenshots", "target/screenshots")));
            int n = 0;
            for (String window : browser.getWindowHandles()) {
                browser.switchTo().window(window);
                Files.write(folder.resolve("hawtio-" + (n++) + ".png"), ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
                System.out.println("[hawtio " + browser.getCurrentUrl() + "] " + browser.findElement(By.tagName("body")).getText());
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("no screenshot: " + e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
