package dev.vllava.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The VQA answer processing (EvalAI's, as LLaVA's {@code llava/eval/m4c_evaluator.py}
 * {@code EvalAIAnswerProcessor} applies it to predictions and ground truths alike), reproduced step for
 * step so that open answers match exactly when the official scorer says they match:
 * <ol>
 *   <li>lower-case; delete every {@code ,} and {@code ?}; write {@code 's} as {@code  's}
 *       ({@code it's -> it 's}); turn newlines and tabs into spaces; strip;
 *   <li>each of {@code ; / [ ] " { } ( ) = + \ _ - > < @ `} (and {@code ,}, already gone) is deleted when
 *       it touches a space anywhere in the text, else replaced by a space everywhere ({@code t-shirt ->
 *       t shirt}); {@code $ % ' &} and the like are kept as they are;
 *   <li>a period not followed by a digit is deleted ({@code u.s. -> us}, {@code 2.5} kept) — at most 32 of
 *       them, because the original passes {@code re.UNICODE} (32) where {@code re.sub} takes its count;
 *   <li>split on whitespace; number words {@code none zero one ... ten} become digits ({@code none -> 0});
 *       the articles a, an, the are dropped; contractions written without apostrophe get it back
 *       ({@code dont -> don't}); joined with single spaces.
 * </ol>
 * The comma rule of the original ({@code 1,000}: delete commas between digits before the punctuation step)
 * never fires there, since step 1 has already deleted every comma; it is therefore not repeated here.
 */
public final class VqaAnswerProcessor {
    private static final String SPACE_OR_DELETE = ";/[]\"{}()=+\\_-><@`";
    /** The original's {@code (?!<=\d)(\.)(?!\d)}: its first group is a look-ahead, not a look-behind. */
    private static final Pattern PERIOD_STRIP = Pattern.compile("(?!<=\\d)(\\.)(?!\\d)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final int PERIOD_STRIP_COUNT = 32;
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    private static final Map<String, String> NUMBERS = Map.ofEntries(
            Map.entry("none", "0"), Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"),
            Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"),
            Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));
    /**
     * The original's contraction table, as pairs "written -> restored". Its entries with capitals (Im,
     * Ive, Id've, I'dve) and its identities (let's, she's) can never change a lower-cased word and are left
     * out; {@code somebody'd -> somebodyd} is the original's (sic).
     */
    private static final Map<String, String> CONTRACTIONS = pairs("""
            aint ain't arent aren't cant can't couldve could've couldnt couldn't couldn'tve couldn't've
            couldnt've couldn't've didnt didn't doesnt doesn't dont don't hadnt hadn't hadnt've hadn't've
            hadn'tve hadn't've hasnt hasn't havent haven't hed he'd hed've he'd've he'dve he'd've hes he's
            howd how'd howll how'll hows how's isnt isn't itd it'd itd've it'd've it'dve it'd've itll it'll
            maam ma'am mightnt mightn't mightnt've mightn't've mightn'tve mightn't've mightve might've
            mustnt mustn't mustve must've neednt needn't notve not've oclock o'clock oughtnt oughtn't
            ow's'at 'ow's'at 'ows'at 'ow's'at 'ow'sat 'ow's'at shant shan't shed've she'd've she'dve she'd've
            shouldve should've shouldnt shouldn't shouldnt've shouldn't've shouldn'tve shouldn't've
            somebody'd somebodyd somebodyd've somebody'd've somebody'dve somebody'd've somebodyll somebody'll
            somebodys somebody's someoned someone'd someoned've someone'd've someone'dve someone'd've
            someonell someone'll someones someone's somethingd something'd somethingd've something'd've
            something'dve something'd've somethingll something'll thats that's thered there'd
            thered've there'd've there'dve there'd've therere there're theres there's theyd they'd
            theyd've they'd've they'dve they'd've theyll they'll theyre they're theyve they've twas 'twas
            wasnt wasn't wed've we'd've we'dve we'd've weve we've werent weren't whatll what'll
            whatre what're whats what's whatve what've whens when's whered where'd wheres where's
            whereve where've whod who'd whod've who'd've who'dve who'd've wholl who'll whos who's
            whove who've whyll why'll whyre why're whys why's wont won't wouldve would've wouldnt wouldn't
            wouldnt've wouldn't've wouldn'tve wouldn't've yall y'all yall'll y'all'll y'allll y'all'll
            yall'd've y'all'd've y'alld've y'all'd've y'all'dve y'all'd've youd you'd youd've you'd've
            you'dve you'd've youll you'll youre you're youve you've
            """);

    private VqaAnswerProcessor() {}

    /** The processed answer; two answers match when their processed forms are equal. */
    public static String process(String answer) {
        String text = answer.toLowerCase(Locale.ROOT).replace(",", "").replace("?", "").replace("'s", " 's");
        text = PythonText.strip(PythonText.strip(text).replace('\n', ' ').replace('\t', ' '));
        return digitsAndArticles(stripPeriods(punctuation(text)));
    }

    private static String punctuation(String in) {
        String out = in;
        for (char p : SPACE_OR_DELETE.toCharArray()) {
            String mark = String.valueOf(p);
            boolean touchesSpace = in.contains(mark + " ") || in.contains(" " + mark);
            out = out.replace(mark, touchesSpace ? "" : " ");
        }
        return out;
    }

    private static String stripPeriods(String text) {
        Matcher matcher = PERIOD_STRIP.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        int removed = 0;
        while (removed < PERIOD_STRIP_COUNT && matcher.find()) {
            matcher.appendReplacement(out, "");
            removed++;
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private static String digitsAndArticles(String text) {
        List<String> words = new ArrayList<>();
        for (String word : PythonText.split(text.toLowerCase(Locale.ROOT))) {
            String mapped = NUMBERS.getOrDefault(word, word);
            if (!ARTICLES.contains(mapped)) {
                words.add(CONTRACTIONS.getOrDefault(mapped, mapped));
            }
        }
        return String.join(" ", words);
    }

    private static Map<String, String> pairs(String table) {
        List<String> words = PythonText.split(table);
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < words.size(); i += 2) {
            map.put(words.get(i), words.get(i + 1));
        }
        return Map.copyOf(map);
    }
}
